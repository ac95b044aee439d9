#!/usr/bin/env python3
"""Logits of this project's exported models in other runtimes, to compare with Burn's.

  foreign_logits.py keras model.keras --out LOGITS.csv [--inputs INPUTS.csv]
  foreign_logits.py onnx  model.onnx  --out LOGITS.csv [--inputs INPUTS.csv]

`keras` opens the archive with `keras.saving.load_model` (no code of ours; any Keras 3
backend: scripts/exchange-venv.sh installs JAX for `KERAS_BACKEND=jax`) and switches the last layer's softmax off to get
logits; `onnx` runs `onnx.checker` (full check) and then onnxruntime. Inputs are the 10 000
MNIST test images (pixel / 255, see mnist_files.py) unless --inputs names a CSV of rows of
784 values. With the test images, the test accuracy is printed too.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
# Keras picks its backend on import; its default, TensorFlow, is not what the venvs hold.
os.environ.setdefault("KERAS_BACKEND", "jax")


def keras_logits(path, x):
    import keras

    model = keras.saving.load_model(path)
    model.layers[-1].activation = keras.activations.linear
    shape = model.input_shape[1:]
    return np.asarray(model.predict(x.reshape((-1, *shape)), verbose=0, batch_size=1000))


def onnx_logits(path, x):
    import onnx
    import onnxruntime

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    dims = lambda value: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]
    print(f"onnx: opset {model.opset_import[0].version}, input {graph.input[0].name} "
          f"{dims(graph.input[0])}, output {graph.output[0].name} {dims(graph.output[0])}, "
          f"checker ok", file=sys.stderr)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x})[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runtime", choices=["keras", "onnx"])
    parser.add_argument("model")
    parser.add_argument("--out", required=True, help="CSV, one row of 10 logits per input")
    parser.add_argument("--inputs", help="CSV of rows of 784 pixels / 255 (default: test set)")
    args = parser.parse_args()
    labels = None
    if args.inputs:
        x = np.loadtxt(args.inputs, delimiter=",", dtype=np.float32, ndmin=2)
    else:
        import mnist_files

        x, labels = mnist_files.load_split("t10k")
    logits = (keras_logits if args.runtime == "keras" else onnx_logits)(args.model, x)
    np.savetxt(args.out, logits, delimiter=",", fmt="%.9g")
    if labels is not None:
        accuracy = (logits.argmax(1) == labels).mean() * 100
        print(f"{args.runtime}: test accuracy {accuracy:.2f}% with {args.model}")


if __name__ == "__main__":
    main()
