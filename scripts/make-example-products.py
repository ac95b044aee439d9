#!/usr/bin/env python3
# Usage: python3 scripts/make-example-products.py DIR  (needs numpy and Pillow)
# Photos of clothes, shoes and a bag "the way a phone would" take them for a Fashion-MNIST
# model: the object drawn in colour with shading on a sheet or a floor, light falling off
# across the frame, a soft shadow, dust, sensor noise, JPEG; one stored on its side with the
# portrait EXIF orientation (Orientation = 6), as phones store upright photos.
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

random.seed(11)
OUT = sys.argv[1] if len(sys.argv) > 1 else 'products'
os.makedirs(OUT, exist_ok=True)
W, H = 1200, 1200


def backdrop(base, falloff=0.22):
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    light = 1.0 - falloff * (x / W) - 0.1 * (y / H)
    img = np.ones((H, W, 3), np.float32) * np.array(base, np.float32)
    return img * light[..., None]


def finish(img, layer, name, portrait=False):
    """Composites the drawn object (RGBA layer) with a soft shadow, adds dust and noise."""
    alpha = np.asarray(layer.split()[-1], np.float32) / 255.0
    shadow = Image.fromarray((alpha * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(25))
    shadow = np.roll(np.asarray(shadow, np.float32) / 255.0, (18, 22), axis=(0, 1))
    img = img * (1.0 - 0.25 * shadow[..., None])
    rgb = np.asarray(layer.convert('RGB'), np.float32)
    img = img * (1 - alpha[..., None]) + rgb * alpha[..., None]
    for _ in range(6):
        cx, cy = random.randrange(W), random.randrange(H)
        img[cy:cy + 3, cx:cx + 3] *= 0.4
    img += np.random.default_rng(len(name)).normal(0, 4, img.shape)
    photo = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    path = os.path.join(OUT, name)
    if portrait:
        exif = Image.Exif()
        exif[0x0112] = 6
        photo.transpose(Image.Transpose.ROTATE_90).save(path, quality=88, exif=exif)
    else:
        photo.save(path, quality=88)


def shaded(draw_fn, colour, texture=0.0):
    """An RGBA layer with the object filled in `colour`, lit from the left."""
    mask = Image.new('L', (W, H), 0)
    draw_fn(ImageDraw.Draw(mask))
    m = np.asarray(mask, np.float32) / 255.0
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    shade = 1.05 - 0.25 * (x / W) + texture * np.sin(y / 6.0) * 0.5
    rgb = np.clip(np.array(colour, np.float32) * shade[..., None], 0, 255)
    return Image.fromarray(np.dstack([rgb, m * 255]).astype(np.uint8), 'RGBA')


def trousers(d):
    d.polygon([(430, 180), (770, 180), (800, 1040), (650, 1040), (600, 420), (550, 1040),
               (400, 1040)], fill=255)


def tshirt(d):
    d.polygon([(470, 230), (730, 230), (930, 360), (860, 500), (780, 450), (780, 980),
               (420, 980), (420, 450), (340, 500), (270, 360)], fill=255)


def sneaker(d):
    d.polygon([(200, 560), (420, 470), (560, 520), (760, 560), (980, 640), (1000, 760),
               (200, 760)], fill=255)


def bag(d):
    d.rounded_rectangle((300, 480, 900, 960), 40, fill=255)
    d.arc((420, 250, 780, 640), 180, 360, fill=255, width=40)


def boot(d):
    d.polygon([(380, 240), (640, 240), (660, 700), (940, 760), (980, 960), (360, 960)],
              fill=255)


finish(backdrop((238, 236, 230)), shaded(trousers, (40, 60, 120), 0.08), 'jeans.jpg')
finish(backdrop((245, 245, 245)), shaded(tshirt, (190, 40, 40)), 'tshirt.jpg')
finish(backdrop((225, 222, 215)), shaded(sneaker, (70, 70, 75)), 'sneaker.jpg')
finish(backdrop((240, 238, 232)), shaded(bag, (120, 70, 40)), 'bag.jpg')
finish(backdrop((236, 232, 226)), shaded(boot, (30, 25, 25)), 'boot.jpg', portrait=True)
print('wrote', ', '.join(sorted(os.listdir(OUT))), 'to', OUT)
