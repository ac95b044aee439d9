#!/usr/bin/env python3
# Usage: python3 scripts/make-example-photos.py DIR  (needs numpy and Pillow)
# Photos of hand-drawn digits "the way a phone would": strokes drawn with a round pen, on
# paper with ruled/squared lines, uneven light, a shadow, dust, sensor noise, JPEG, and the
# portrait EXIF orientation (pixels stored rotated, Orientation = 6).
import math, random
from PIL import Image, ImageDraw, ImageFilter
import numpy as np
random.seed(7)
import os, sys
OUT = sys.argv[1] if len(sys.argv) > 1 else 'photos'
os.makedirs(OUT, exist_ok=True)
STROKES = {
 '0': [[(0.5,0.0),(0.8,0.1),(0.95,0.45),(0.85,0.85),(0.5,1.0),(0.15,0.85),(0.05,0.45),(0.2,0.1),(0.5,0.0)]],
 '2': [[(0.1,0.25),(0.3,0.03),(0.65,0.0),(0.88,0.2),(0.8,0.45),(0.45,0.72),(0.08,1.0),(0.95,0.98)]],
 '3': [[(0.12,0.12),(0.45,0.0),(0.82,0.12),(0.78,0.38),(0.45,0.5),(0.85,0.62),(0.88,0.88),(0.5,1.0),(0.1,0.9)]],
 '4': [[(0.62,0.0),(0.08,0.68),(0.95,0.68)],[(0.68,0.3),(0.66,1.0)]],
 '5': [[(0.85,0.0),(0.22,0.02),(0.15,0.45),(0.55,0.38),(0.85,0.6),(0.8,0.88),(0.45,1.0),(0.1,0.9)]],
 '6': [[(0.75,0.02),(0.35,0.25),(0.12,0.65),(0.3,0.98),(0.7,0.95),(0.82,0.7),(0.55,0.5),(0.2,0.62)]],
 '7': [[(0.08,0.05),(0.92,0.02),(0.5,0.5),(0.35,1.0)]],
}
def paper(w, h, base, lines, spacing):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.0 - 0.25 * (x / w) - 0.12 * (y / h)
    shadow = 1.0 - 0.3 / (1.0 + np.exp(-((x + 0.6 * y) / w - 0.95) / 0.04))
    img = np.ones((h, w, 3), np.float32) * np.array(base, np.float32)
    if lines:
        rows = (y % spacing) < max(2, h / 900)
        img[rows] *= np.array([0.8, 0.85, 0.95])
        if lines == 'squared':
            cols = (x % spacing) < max(2, h / 900)
            img[cols] *= np.array([0.8, 0.85, 0.95])
    return img, light * shadow
def draw(img_arr, text, x0, y0, height, width_px, ink):
    h, w, _ = img_arr.shape
    mask = Image.new('L', (w, h), 0)
    d = ImageDraw.Draw(mask)
    x = x0
    for ch in text:
        dw = height * 0.62
        for stroke in STROKES[ch]:
            pts = [(x + (px + random.uniform(-0.03, 0.03)) * dw, y0 + (py + random.uniform(-0.02, 0.02)) * height) for px, py in stroke]
            d.line(pts, fill=255, width=width_px, joint='curve')
            r = width_px / 2
            for px, py in (pts[0], pts[-1]):
                d.ellipse([px - r, py - r, px + r, py + r], fill=255)
        x += dw + height * 0.25
    m = np.asarray(mask.filter(ImageFilter.GaussianBlur(width_px * 0.15)), np.float32)[..., None] / 255
    return img_arr * (1 - m) + np.array(ink, np.float32) * m
def finish(arr, light, noise, specks, path, quality=72, rotate_exif=False):
    h, w, _ = arr.shape
    arr = arr * light[..., None]
    for _ in range(specks):
        cx, cy, r = random.uniform(0, w), random.uniform(0, h), random.uniform(1.5, 4) * h / 1000
        yy, xx = np.ogrid[0:h, 0:w]
        arr[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] *= 0.3
    arr = arr + np.random.default_rng(1).normal(0, noise, arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rotate_exif:
        exif = Image.Exif(); exif[0x0112] = 6
        img.transpose(Image.ROTATE_90).save(path, quality=quality, exif=exif.tobytes())
    else:
        img.save(path, quality=quality)
# 1. A 7 in blue ballpoint on ruled notebook paper, 12 MP, held in portrait (EXIF 6).
arr, light = paper(3000, 4000, (236, 232, 222), 'ruled', 120)
arr = draw(arr, '7', 1150, 1500, 1300, 36, (35, 50, 140))
finish(arr, light, 9, 12, OUT + '/notebook-7.jpg', rotate_exif=True)
# 2. "2026" in black marker on grey squared paper, in dim light.
arr, light = paper(1600, 600, (170, 168, 160), 'squared', 48)
arr = draw(arr, '2026', 170, 130, 340, 22, (30, 30, 35))
finish(arr, light, 11, 8, OUT + '/squared-2026.jpg', quality=60)
# 3. A 4 in red felt pen on white paper with a shadow.
arr, light = paper(900, 1100, (245, 243, 238), None, 0)
arr = draw(arr, '4', 260, 300, 520, 20, (190, 35, 40))
finish(arr, light, 6, 5, OUT + '/red-4.jpg')
# 4. A 3 in chalk on a board.
arr, light = paper(800, 700, (50, 62, 56), None, 0)
arr = draw(arr, '3', 280, 160, 380, 26, (225, 225, 215))
finish(arr, light, 7, 0, OUT + '/board-3.jpg')
# 5. A meter reading "5260" in ballpoint on ruled paper.
arr, light = paper(1800, 800, (240, 238, 230), 'ruled', 70)
arr = draw(arr, '5260', 250, 230, 300, 9, (25, 40, 120))
finish(arr, light, 8, 10, OUT + '/ruled-5260.jpg')
