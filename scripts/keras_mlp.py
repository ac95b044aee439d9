#!/usr/bin/env python3
"""The reference Keras program: a 784-128-10 MLP (Flatten, Dense(128, relu), Dense(10,
softmax)), Adam, sparse categorical cross-entropy, pixels / 255, trained with `model.fit`.

  keras_mlp.py train --out DIR [--epochs N] [--raw] [--seed S]

writes what Keras programs leave behind: DIR/model.weights.h5 (`save_weights`),
DIR/model.keras (`save`) and DIR/model.h5 (the legacy HDF5 `save`), and prints the test
accuracy Keras measures. --raw trains on 0–255 pixels instead (as some Keras examples do),
for `infer --input-scale 255`. Needs Keras 3 with a training backend (PyTorch:
KERAS_BACKEND=torch) and h5py; MNIST comes from the same cache as the Rust tools.
"""

import argparse
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402

import mnist_files  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train and save in Keras's three formats")
    p.add_argument("--out", required=True, help="directory for the three files")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--raw", action="store_true", help="train on 0-255 pixels, not pixel / 255")
    args = parser.parse_args()

    scale = 1.0 if args.raw else 255.0
    x, y = mnist_files.load_split("train", scale)
    x_test, y_test = mnist_files.load_split("t10k", scale)
    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential([
        keras.Input((28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x.reshape(-1, 28, 28), y, epochs=args.epochs, batch_size=args.batch_size,
              verbose=2)
    _, accuracy = model.evaluate(x_test.reshape(-1, 28, 28), y_test, verbose=0,
                                 batch_size=1000)
    os.makedirs(args.out, exist_ok=True)
    model.save_weights(os.path.join(args.out, "model.weights.h5"))
    model.save(os.path.join(args.out, "model.keras"))
    model.save(os.path.join(args.out, "model.h5"))
    print(f"keras: test accuracy {accuracy * 100:.2f}%, saved model.weights.h5, model.keras "
          f"and model.h5 in {args.out}")


if __name__ == "__main__":
    main()
