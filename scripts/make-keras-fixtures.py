#!/usr/bin/env python3
"""Writes the small Keras files the Rust tests read (crates/mnist-keras/tests/fixtures/).

Run once with real Keras 3 (any backend; `KERAS_BACKEND=torch` or `numpy`) and h5py:

    KERAS_BACKEND=torch .venv-torch/bin/python scripts/make-keras-fixtures.py

Every file holds a tiny seeded MLP (784-2-10 or 784-3-2-10, 10–30 KB) so the fixtures stay
small; `expected.json` holds, per file, the logits (the last Dense layer before its softmax)
that Keras itself computes for three fixed inputs. Keras 2 / tf.keras files cannot be written
without TensorFlow, so `keras2.h5` is laid out with h5py exactly as Keras 2's `model.save`
lays it out (fixed-length byte strings, `dense/kernel:0` weight names, a bytes `model_config`).
"""

import json
import os
import sys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "torch")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "crates", "mnist-keras", "tests", "fixtures")
os.makedirs(OUT, exist_ok=True)


def inputs():
    """Three fixed [784] inputs in 0..1: blank, a ramp, a checkerboard-ish pattern."""
    ramp = np.arange(784, dtype=np.float32) / 783.0
    pattern = ((np.arange(784) * 7919) % 255).astype(np.float32) / 255.0
    return np.stack([np.zeros(784, np.float32), ramp, pattern])


def logits(model, x):
    """The model's output with the last layer's softmax switched off."""
    last = model.layers[-1]
    saved = last.activation
    last.activation = keras.activations.linear
    try:
        return model.predict(x.reshape((-1, 28, 28)), verbose=0).tolist()
    finally:
        last.activation = saved


def small(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    # Non-zero biases, so that a reader that drops them fails the test.
    for layer in model.layers[1:]:
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel, np.linspace(-0.5, 0.5, bias.shape[0]).astype(np.float32)])
    return model


def deeper():
    """784-3-2-10 with chosen names, a Dropout and a separate Activation layer."""
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((28, 28)),
        keras.layers.Flatten(name="pixels"),
        keras.layers.Dense(3, activation="relu", name="first"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(2, name="second"),
        keras.layers.Activation("relu"),
        keras.layers.Dense(10, activation="softmax", name="digits"),
    ])
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel, np.linspace(0.3, -0.3, bias.shape[0]).astype(np.float32)])
    return model


def keras2_layout(model, path):
    """Keras 2's `model.save("x.h5")` layout, written with h5py."""
    config = json.loads(model.to_json())
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        weights = f.create_group("model_weights")
        names = [layer.name for layer in model.layers]
        weights.attrs["layer_names"] = np.array([n.encode() for n in names])
        for layer in model.layers:
            group = weights.create_group(layer.name)
            tensors = layer.get_weights()
            kinds = ["kernel", "bias"][: len(tensors)]
            weight_names = [f"{layer.name}/{kind}:0".encode() for kind in kinds]
            group.attrs["weight_names"] = np.array(weight_names, dtype="S")
            for name, value in zip(weight_names, tensors):
                group.create_dataset(name.decode(), data=value)


def main():
    x = inputs()
    expected = {"inputs": "blank, ramp i/783, pattern ((i*7919) % 255)/255 for i in 0..784",
                "files": {}}

    model = small(1)
    model.save_weights(os.path.join(OUT, "k3.weights.h5"))
    expected["files"]["k3.weights.h5"] = {"architecture": "784-2-10", "logits": logits(model, x)}
    model.save(os.path.join(OUT, "k3-legacy.h5"))
    expected["files"]["k3-legacy.h5"] = {"architecture": "784-2-10", "logits": logits(model, x)}
    with h5py.File(os.path.join(OUT, "k3-legacy-weights.h5"), "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    expected["files"]["k3-legacy-weights.h5"] = {"architecture": "784-2-10",
                                                 "logits": logits(model, x)}
    keras2_layout(model, os.path.join(OUT, "keras2.h5"))
    expected["files"]["keras2.h5"] = {"architecture": "784-2-10", "logits": logits(model, x)}

    model = deeper()
    model.save(os.path.join(OUT, "k3-deeper.keras"))
    expected["files"]["k3-deeper.keras"] = {"architecture": "784-3-2-10",
                                            "logits": logits(model, x)}

    keras.utils.set_random_seed(3)
    conv = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(2, 3, strides=7, name="edges"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    conv.save(os.path.join(OUT, "conv.keras"))
    tanh = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(2, activation="tanh", name="squash"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    tanh.save(os.path.join(OUT, "tanh.keras"))
    wide = keras.Sequential([keras.Input((784,)), keras.layers.Dense(1), keras.layers.Dense(12)])
    wide.save(os.path.join(OUT, "twelve-classes.keras"))

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):>8}  {name}")
    print(f"Keras {keras.__version__}, h5py {h5py.__version__}")
    assert zipfile.is_zipfile(os.path.join(OUT, "k3-deeper.keras"))


if __name__ == "__main__":
    main()
