#!/usr/bin/env python3
"""compare_logits.py BURN.csv OTHER.csv NAME: the largest |logit difference| and how many
predicted classes agree; exits non-zero unless every class agrees and no logit differs by
more than 1e-4. Shared by the check-*-exchange / check-onnx scripts (numpy only)."""

import sys

import numpy as np

burn, other = (np.loadtxt(p, delimiter=",") for p in sys.argv[1:3])
name = sys.argv[3]
diff = np.abs(burn - other).max()
same = (burn.argmax(1) == other.argmax(1)).sum()
print(f"logits max |Burn - {name}| = {diff:.2e} over {burn.shape[0]} images; "
      f"identical predicted class for {same}/{burn.shape[0]}")
if diff > 1e-4 or same != burn.shape[0]:
    sys.exit("MISMATCH")
