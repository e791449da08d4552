#!/usr/bin/env python3
"""Times POT's ot.emd on the benchmark clouds of exact_transport.json (the baseline quoted beside
`bench sinkhorn`'s exact-clouds cases).  Run: .venv/bin/python time_emd.py"""
import json
import time
from pathlib import Path

import numpy as np
import ot

data = json.loads((Path(__file__).resolve().parent / "exact_transport.json").read_text())
for n in (1000, 3000):
    c = data[f"clouds{n}"]
    x, y = np.array(c["x"]), np.array(c["y"])
    w = np.full(n, 1 / n)
    M = ot.dist(x, y)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        G, log = ot.emd(w, w, M, numItermax=100_000_000, log=True)
        best = min(best, time.perf_counter() - t)
    print(f"exact-clouds-n{n}: ot.emd {best:.3f} s (best of 3, cost matrix formed beforehand), cost {log['cost']!r}")
