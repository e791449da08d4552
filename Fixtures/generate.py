#!/usr/bin/env python3
"""Generate the reference fixtures of Kantorovich's test suite.

Every JSON file in this folder is produced by this script from fixed seeds with the pinned
versions in requirements.txt (NumPy, SciPy, POT), i.e. by an implementation independent of the
Swift code under test.  Run it with `make fixtures` (which creates a virtual environment) or:

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python generate.py            # all groups
    .venv/bin/python generate.py linalg     # one group

Conventions: matrices are stored as nested lists of rows (row-major, the way they are written),
vectors as lists; each file has a "meta" object naming the generator, versions and seed.
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy
import scipy.linalg
import scipy.special

HERE = Path(__file__).resolve().parent


def meta(seed, note):
    import ot
    return {
        "generator": "Fixtures/generate.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pot": ot.__version__,
        "seed": seed,
        "note": note,
    }


def write(name, payload):
    path = HERE / name
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path.name}")


def rows(a):
    return np.asarray(a, dtype=float).tolist()


# ---------------------------------------------------------------- linalg
def linalg():
    seed = 20261129
    rng = np.random.default_rng(seed)
    out = {"meta": meta(seed, "LinearAlgebra references: LAPACK via NumPy/SciPy, logsumexp via SciPy")}

    b = rng.standard_normal((6, 6))
    sym = (b + b.T) / 2
    out["symmetricEigen"] = {"matrix": rows(sym), "eigenvalues": np.linalg.eigvalsh(sym).tolist()}

    g = rng.standard_normal((7, 4))
    out["singularValues"] = {"matrix": rows(g), "values": np.linalg.svd(g, compute_uv=False).tolist()}

    spd = g.T @ g + 0.5 * np.eye(4)
    sign, logdet = np.linalg.slogdet(spd)
    rhs = rng.standard_normal(4)
    out["cholesky"] = {"matrix": rows(spd), "logDeterminant": float(logdet),
                       "rhs": rhs.tolist(), "solution": np.linalg.solve(spd, rhs).tolist()}

    a = rng.standard_normal((8, 3))
    y = rng.standard_normal(8)
    x, *_ = np.linalg.lstsq(a, y, rcond=None)
    # Rank-deficient: third column = first + second; NumPy returns the minimum-norm solution.
    d = a.copy()
    d[:, 2] = d[:, 0] + d[:, 1]
    xd, _, rank_d, _ = np.linalg.lstsq(d, y, rcond=None)
    out["leastSquares"] = {"matrix": rows(a), "rhs": y.tolist(), "solution": x.tolist(),
                           "deficientMatrix": rows(d), "deficientSolution": xd.tolist(),
                           "deficientRank": int(rank_d)}

    gm = rng.standard_normal((5, 5)) + 5 * np.eye(5)
    rhs5 = rng.standard_normal(5)
    out["luSolve"] = {"matrix": rows(gm), "rhs": rhs5.tolist(), "solution": np.linalg.solve(gm, rhs5).tolist(),
                      "determinant": float(np.linalg.det(gm))}

    # Log-sum-exp with a large negative scale (Sinkhorn at eta = 1200) and offsets.
    c = rng.uniform(0, 1, (9, 13))
    scale = -1200.0
    ro = rng.uniform(0, 1, 9) * 1200
    co = rng.uniform(0, 1, 13) * 1200
    out["logSumExp"] = {
        "matrix": rows(c), "scale": scale, "rowOffsets": ro.tolist(), "columnOffsets": co.tolist(),
        "rows": scipy.special.logsumexp(scale * c + co[None, :], axis=1).tolist(),
        "columns": scipy.special.logsumexp(scale * c + ro[:, None], axis=0).tolist(),
    }

    # Kronecker sum (A ⊗ I + I ⊗ B) x = c, solved densely.
    a3 = rng.standard_normal((3, 3)); a3 = a3 @ a3.T + np.eye(3)
    b4 = rng.standard_normal((4, 4)); b4 = b4 @ b4.T + np.eye(4)
    k = np.kron(a3, np.eye(4)) + np.kron(np.eye(3), b4)
    cc = rng.standard_normal(12)
    out["kroneckerSum"] = {"a": rows(a3), "b": rows(b4), "rhs": cc.tolist(), "solution": np.linalg.solve(k, cc).tolist()}
    write("linalg.json", out)


GROUPS = {"linalg": linalg}

if __name__ == "__main__":
    names = sys.argv[1:] or list(GROUPS)
    for n in names:
        GROUPS[n]()
