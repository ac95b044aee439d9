#!/usr/bin/env python3
"""The seed's PyTorch MLP, for checking weights against this project and for benchmarks.

Subcommands:
  logits  WEIGHTS.safetensors --out LOGITS.csv   test-set logits of exported weights
  train   --out STATE_DICT.pt [--epochs N]       train briefly, save a state_dict
  bench   [--batch-size B] [--epochs N]          time training epochs (see bench-vs-pytorch.sh)
  recipe  [--seed S]                             configs/mlp-256-128.toml's recipe: training
                                                 seconds and test accuracy (time to a result)

MNIST comes from the same place the Rust tools use: $MNIST_DIR, else $MNIST_CACHE_DIR, else
~/.cache/mnist-burn/mnist (run `cargo run --release --bin mnist-fetch` first). Inputs are
pixel / 255, flattened row-major, exactly as in the Rust crates.
"""

import argparse
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import mnist_files


class Net(nn.Module):
    """784 -> hidden... -> 10 with ReLU; layers named fc1, fc2, ... as in the seed script."""

    def __init__(self, hidden=(256, 128)):
        super().__init__()
        widths = [784, *hidden, 10]
        self.depth = len(widths) - 1
        for i in range(self.depth):
            setattr(self, f"fc{i + 1}", nn.Linear(widths[i], widths[i + 1]))

    def forward(self, x):
        x = x.view(-1, 784)
        for i in range(1, self.depth):
            x = F.relu(getattr(self, f"fc{i}")(x))
        return getattr(self, f"fc{self.depth}")(x)


def load_split(prefix: str):
    x, y = mnist_files.load_split(prefix)
    return torch.from_numpy(x), torch.from_numpy(y)


def hidden_of(state: dict) -> tuple:
    widths = []
    i = 1
    while f"fc{i}.weight" in state:
        widths.append(state[f"fc{i}.weight"].shape[0])
        i += 1
    return tuple(widths[:-1])


def cmd_logits(args):
    from safetensors.torch import load_file

    state = load_file(args.weights)
    model = Net(hidden_of(state))
    model.load_state_dict(state)
    model.eval()
    x, y = load_split("t10k")
    with torch.no_grad():
        logits = model(x)
    accuracy = (logits.argmax(1) == y).float().mean().item() * 100
    np.savetxt(args.out, logits.numpy(), delimiter=",", fmt="%.9g")
    print(f"pytorch: test accuracy {accuracy:.2f}% with {args.weights}")


def train_epochs(model, x, y, batch_size, epochs, lr, seed, report, usage=None):
    """Trains; returns each epoch's seconds. `usage`, a list, receives the process's rusage
    (all threads) at the end of each epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        for batch in torch.randperm(len(x), generator=generator).split(batch_size):
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
        if usage is not None:
            usage.append(resource.getrusage(resource.RUSAGE_SELF))
        if report:
            print(f"epoch {epoch}/{epochs}: loss {loss.item():.4f}, {seconds[-1]:.2f} s")
    return seconds


def test_accuracy(model):
    x, y = load_split("t10k")
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item() * 100


def cmd_train(args):
    torch.manual_seed(args.seed)
    model = Net(tuple(args.hidden))
    x, y = load_split("train")
    train_epochs(model, x, y, args.batch_size, args.epochs, args.lr, args.seed, report=True)
    torch.save(model.state_dict(), args.out)
    print(f"pytorch: test accuracy {test_accuracy(model):.2f}%, saved {args.out}")


def set_threads(args):
    # Before the first parallel region: OpenMP's threads start with this thread's
    # floating-point mode, so the flush applies to them too.
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    torch.set_num_threads(args.threads)


def cmd_bench(args):
    set_threads(args)
    torch.manual_seed(args.seed)
    model = Net(tuple(args.hidden))
    # Validation split as in the Rust configs: the last 5000 training images are held out.
    x, y = load_split("train")
    x, y = x[: len(x) - args.validation], y[: len(y) - args.validation]
    usage = []
    seconds = train_epochs(model, x, y, args.batch_size, args.epochs, args.lr, args.seed, False, usage)
    print(" ".join(f"{s:.4f}" for s in seconds))
    if args.counters and len(usage) > 1:
        # Measured inside the process, from the end of epoch 1 to the end of the last: the
        # interpreter's start-up and torch's import fault in tens of thousands of pages, a
        # different number each run, which would drown a difference of whole runs.
        steps = (len(usage) - 1) * -(-len(x) // args.batch_size)
        first, last = usage[0], usage[-1]
        print(
            "per step: minor faults %.3f, voluntary cs %.3f, involuntary cs %.3f"
            % tuple((getattr(last, f) - getattr(first, f)) / steps for f in ("ru_minflt", "ru_nvcsw", "ru_nivcsw")),
            file=sys.stderr,
        )


def cmd_recipe(args):
    """The default config's recipe, step for step: Adam 3e-3 (eps 1e-8), batch 256, one epoch of
    linear warm-up from lr/25, then cosine decay to 0 per batch, label smoothing 0.1, 8 epochs
    over the first 55 000 training images."""
    set_threads(args)
    torch.manual_seed(args.seed)
    model = Net(tuple(args.hidden))
    x, y = load_split("train")
    x, y = x[: len(x) - args.validation], y[: len(y) - args.validation]
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-8)
    per_epoch = -(-len(x) // args.batch_size)
    warmup, total = per_epoch * args.warmup_epochs, per_epoch * args.epochs

    def rate(step):
        if step < warmup:
            return args.lr / 25 + (args.lr - args.lr / 25) * step / warmup
        t = (step - warmup) / max(1, total - warmup)
        return args.lr * 0.5 * (1 + np.cos(np.pi * t))

    generator = torch.Generator().manual_seed(args.seed)
    step = 0
    start = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        for batch in torch.randperm(len(x), generator=generator).split(args.batch_size):
            for group in optimizer.param_groups:
                group["lr"] = rate(step)
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[batch]), y[batch], label_smoothing=args.label_smoothing).backward()
            optimizer.step()
            step += 1
    seconds = time.perf_counter() - start
    print(f"pytorch recipe: seed {args.seed}, {seconds:.2f} s of training, test accuracy {test_accuracy(model):.2f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("logits", help="test-set logits of exported safetensors weights")
    p.add_argument("weights")
    p.add_argument("--out", required=True, help="CSV file, one row of 10 logits per test image")
    p.set_defaults(func=cmd_logits)

    for name, func, help_text in (
        ("train", cmd_train, "train briefly and save a state_dict"),
        ("bench", cmd_bench, "time training epochs; prints seconds per epoch"),
        ("recipe", cmd_recipe, "the default config's recipe: training time and test accuracy"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
        p.add_argument("--epochs", type=int, default=2)
        p.add_argument("--batch-size", type=int, default=128)
        p.add_argument("--lr", type=float, default=1e-3)
        p.add_argument("--seed", type=int, default=1)
        p.set_defaults(func=func)
        if name == "train":
            p.add_argument("--out", required=True, help="state_dict file (.pt)")
        else:
            p.add_argument("--threads", type=int, default=2)
            p.add_argument("--validation", type=int, default=5000)
            p.add_argument("--flush-denormal", action="store_true",
                           help="torch.set_flush_denormal(True), as train's threads run")
        if name == "bench":
            p.add_argument("--counters", action="store_true",
                           help="also print page faults and context switches per step (stderr)")
        if name == "recipe":
            p.set_defaults(epochs=8, batch_size=256, lr=3e-3)
            p.add_argument("--warmup-epochs", type=int, default=1)
            p.add_argument("--label-smoothing", type=float, default=0.1)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
