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


# ---------------------------------------------------------------- optimal transport
def numpy_sinkhorn_iterations(C, r, c, eta, tols, max_iter=400000):
    """Independent absorption-stabilized Sinkhorn (NumPy): iterations until the L1 marginal error
    ||P1 - r||_1 (columns exact after each v-update) first drops below each tolerance. The first
    iteration is one log-domain step from zero potentials, as in the Swift solver."""
    from scipy.special import logsumexp
    x = np.zeros(len(r)); y = np.zeros(len(c))
    x = (np.log(r) + 1 - logsumexp(eta * (y[None, :] - C), axis=1)) / eta
    y = (np.log(c) + 1 - logsumexp(eta * (x[:, None] - C), axis=0)) / eta
    K = np.exp(eta * (x[:, None] + y[None, :] - C) - 1)
    u = np.ones(len(r)); v = np.ones(len(c))
    it = 1; out = []; todo = sorted(tols, reverse=True)
    while todo and it < max_iter:
        Kv = K @ v
        err = np.abs(u * Kv - r).sum()
        while todo and err <= todo[0]:
            out.append(it); todo.pop(0)
        if not todo:
            break
        u = r / Kv
        v = c / (K.T @ u)
        it += 1
        if max(np.abs(np.log(u)).max(), np.abs(np.log(v)).max()) > 50:
            x += np.log(u) / eta; y += np.log(v) / eta
            K = np.exp(eta * (x[:, None] + y[None, :] - C) - 1); u[:] = 1; v[:] = 1
    return out


def optimal_transport():
    import ot
    seed = 7
    rng = np.random.default_rng(seed)
    out = {"meta": meta(seed, "POT sinkhorn_log plans/costs, POT emd2 exact costs, NumPy Sinkhorn iteration counts")}
    cases = []
    # (name, n, m, reg, zero bins)
    for name, n, m, reg, zeros in [("square-n12", 12, 12, 0.05, False), ("rect-7x5", 7, 5, 0.1, False),
                                   ("rect-4x9-small-reg", 4, 9, 0.01, False), ("zero-bins-8x6", 8, 6, 0.05, True)]:
        xs = rng.uniform(0, 1, (n, 2)); ys = rng.uniform(0, 1, (m, 2))
        M = ot.dist(xs, ys)  # squared Euclidean
        a = rng.uniform(0.2, 1, n); b = rng.uniform(0.2, 1, m)
        if zeros:
            a[[1, 5]] = 0; b[[2]] = 0
        a /= a.sum(); b /= b.sum()
        G = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", stopThr=1e-14, numItermax=200000)
        cases.append({"name": name, "source": a.tolist(), "target": b.tolist(), "cost": rows(M), "epsilon": reg,
                      "plan": rows(G), "transportCost": float(np.sum(M * G)), "emd2": float(ot.emd2(a, b, M))})
    out["sinkhornCases"] = cases

    # Convergence to the unregularized cost as eta grows.
    n = 10
    xs = rng.uniform(0, 1, (n, 2)); ys = rng.uniform(0, 1, (n, 2))
    M = ot.dist(xs, ys); M /= M.max()
    a = np.full(n, 1 / n); b = rng.uniform(0.5, 1, n); b /= b.sum()
    out["emdLimit"] = {"source": a.tolist(), "target": b.tolist(), "cost": rows(M), "emd2": float(ot.emd2(a, b, M)),
                       "sinkhornCosts": {str(e): float(np.sum(M * ot.sinkhorn(a, b, M, 1 / e, method="sinkhorn_log",
                                                                                stopThr=1e-13, numItermax=500000)))
                                         for e in [10, 100, 1000]}}

    # Iteration counts of an independent NumPy implementation (same iterates as the Swift solver).
    n = 60
    C = rng.uniform(0, 1, (n, n)); r = np.full(n, 1 / n)
    tols = [1e-6, 1e-9, 1e-12]
    out["iterationCounts"] = {"cost": rows(C), "eta": 150.0, "tolerances": tols,
                              "iterations": numpy_sinkhorn_iterations(C, r, r, 150.0, tols)}
    write("optimal_transport.json", out)


# ---------------------------------------------------------------- sliced Wasserstein
def sliced():
    import ot
    seed = 11
    rng = np.random.default_rng(seed)
    out = {"meta": meta(seed, "POT wasserstein_1d (W_p^p) and sliced_wasserstein_distance on given projections")}
    one_d = []
    for n, m, p, weighted in [(7, 7, 2.0, False), (9, 5, 1.0, True), (6, 11, 1.5, True), (8, 8, 3.0, True), (13, 4, 2.0, True)]:
        u = rng.normal(0, 1, n); v = rng.normal(0.5, 2, m)
        uw = rng.uniform(0.1, 1, n) if weighted else np.full(n, 1 / n)
        vw = rng.uniform(0.1, 1, m) if weighted else np.full(m, 1 / m)
        uw /= uw.sum(); vw /= vw.sum()
        one_d.append({"u": u.tolist(), "v": v.tolist(), "uWeights": uw.tolist(), "vWeights": vw.tolist(), "p": p,
                      "powered": float(ot.wasserstein_1d(u, v, uw, vw, p=p))})
    out["wasserstein1d"] = one_d
    cases = []
    for n, m, d, L, p in [(30, 20, 3, 7, 2.0), (15, 25, 4, 5, 1.0)]:
        X = rng.normal(0, 1, (n, d)); Y = rng.normal(1, 1.5, (m, d))
        a = rng.uniform(0.1, 1, n); a /= a.sum(); b = rng.uniform(0.1, 1, m); b /= b.sum()
        theta = rng.normal(0, 1, (d, L)); theta /= np.linalg.norm(theta, axis=0, keepdims=True)
        sw = ot.sliced_wasserstein_distance(X, Y, a, b, p=p, projections=theta)
        cases.append({"x": rows(X), "y": rows(Y), "a": a.tolist(), "b": b.tolist(), "directions": rows(theta), "p": p,
                      "distance": float(sw)})
    out["slicedCases"] = cases
    write("sliced.json", out)


# ---------------------------------------------------------------- sensitivity sampling
def sensitivity():
    from scipy.optimize import linprog, minimize
    seed = 13
    rng = np.random.default_rng(seed)
    out = {"meta": meta(seed, "lp regression: SciPy linprog (HiGHS) for p = 1, BFGS on the smooth objective for p > 1")}
    cases = []
    for n, d, p in [(40, 3, 1.0), (60, 4, 1.5), (50, 3, 3.0), (30, 2, 1.0)]:
        A = rng.normal(0, 1, (n, d)); b = A @ rng.normal(0, 1, d) + rng.standard_t(2, n)
        if p == 1.0:
            # min sum t  s.t.  -t <= A x - b <= t
            c = np.concatenate([np.zeros(d), np.ones(n)])
            A_ub = np.block([[A, -np.eye(n)], [-A, -np.eye(n)]])
            b_ub = np.concatenate([b, -b])
            res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * d + [(0, None)] * n, method="highs")
            x = res.x[:d]; obj = float(res.fun)
        else:
            f = lambda x: np.sum(np.abs(A @ x - b) ** p)
            g = lambda x: A.T @ (p * np.abs(A @ x - b) ** (p - 1) * np.sign(A @ x - b))
            x0 = np.linalg.lstsq(A, b, rcond=None)[0]
            res = minimize(f, x0, jac=g, method="BFGS", options={"gtol": 1e-12, "maxiter": 10000})
            x = res.x; obj = float(res.fun)
        cases.append({"a": rows(A), "b": b.tolist(), "p": p, "solution": x.tolist(), "objective": obj})
    out["regression"] = cases
    write("sensitivity.json", out)


# ---------------------------------------------------------------- exact l1 sensitivities
def l1_sensitivities():
    """Exact l1 sensitivities of a heavy-tailed 2000 x 8 matrix, one LP per row.

    1/sigma_i = min ||A x||_1 s.t. a_i^T x = 1. HiGHS's dual simplex solves the LP dual,
    max lambda s.t. A^T u = lambda a_i, -1 <= u <= 1 (d equality rows), whose optimum equals the
    primal one; the primal x is the multiplier vector of its equalities. That vertex is polished:
    the d - 1 rows with the smallest |a_j^T x| are made exactly zero by one d x d solve, and the
    polished primal objective is kept when it agrees with HiGHS's to 1e-9 (both are stored).
    """
    from scipy.optimize import linprog
    seed = 29
    rng = np.random.default_rng(seed)
    n, d, nu = 2000, 8, 1.5
    A = rng.standard_t(nu, (n, d))
    sigma, highs = [], []
    for i in range(n):
        c = np.zeros(n + 1); c[-1] = -1.0
        A_eq = np.hstack([A.T, -A[i][:, None]])
        for method in ("highs-ds", "highs-ipm"):   # the dual simplex fails on one row; IPM then
            res = linprog(c, A_eq=A_eq, b_eq=np.zeros(d), bounds=[(-1, 1)] * n + [(None, None)], method=method)
            if res.status == 0:
                break
        assert res.status == 0, res.message
        lam = -res.fun
        x = res.eqlin.marginals
        x = x / (A[i] @ x)
        r = np.abs(A @ x)
        r[i] = np.inf
        zero = np.argsort(r)[: d - 1]
        M = np.vstack([A[zero], A[i][None, :]])
        rhs = np.zeros(d); rhs[-1] = 1.0
        xp = np.linalg.solve(M, rhs)
        polished = float(np.sum(np.abs(A @ xp)))
        assert abs(polished - lam) <= 1e-7 * lam, (i, polished, lam)
        # Certificate of the polished vertex: sum_{j not in Z} sign(a_j^T x) a_j + sum_{Z} u_j a_j = mu a_i
        # with |u_j| <= 1 (the subgradient condition of the LP).
        off = np.ones(n, dtype=bool); off[zero] = False
        g = (np.sign(A[off] @ xp)[:, None] * A[off]).sum(axis=0)
        w = np.linalg.solve(M.T, -g)
        assert np.max(np.abs(w[: d - 1])) <= 1 + 1e-9, (i, w)
        sigma.append(1.0 / polished)
        highs.append(1.0 / lam)
    write("l1_sensitivities.json", {
        "meta": meta(seed, "l1 sensitivities of standard_t(1.5) 2000 x 8: SciPy linprog (HiGHS dual simplex) on the LP dual, "
                           "primal vertex polished by a d x d solve and certified by its dual multipliers"),
        "a": rows(A), "sensitivities": sigma, "highsSensitivities": highs})


# ---------------------------------------------------------------- exact transport
def exact_transport():
    """ot.emd (POT's network simplex) on 2-D clouds: costs, centred potentials where the problem is
    non-degenerate (random weights), n != m, zero-mass bins and degenerate integer costs.  The
    points are stored, not the cost matrices; costs are squared Euclidean unless noted."""
    import ot
    seed = 17
    rng = np.random.default_rng(seed)
    out = {"meta": meta(seed, "exact OT references: ot.emd (network simplex), numItermax 10^8")}

    def emd(a, b, M):
        G, log = ot.emd(a, b, M, numItermax=100_000_000, log=True)
        assert log["warning"] is None, log["warning"]
        return G, log

    x = rng.standard_normal((30, 2))
    y = rng.standard_normal((45, 2)) + 0.5
    a = rng.dirichlet(np.ones(30))
    b = rng.dirichlet(np.ones(45))
    M = ot.dist(x, y)
    G, log = emd(a, b, M)
    out["weighted"] = {"x": rows(x), "y": rows(y), "a": a.tolist(), "b": b.tolist(), "cost": float(log["cost"]),
                       "u": log["u"].tolist(), "v": log["v"].tolist(), "nonzeros": int((G > 0).sum())}

    x = rng.standard_normal((25, 2))
    y = rng.standard_normal((20, 2))
    a = rng.dirichlet(np.ones(25))
    b = rng.dirichlet(np.ones(20))
    a[[0, 7, 24]] = 0
    b[[3, 19]] = 0
    a /= a.sum()
    b /= b.sum()
    G, log = emd(a, b, ot.dist(x, y))
    out["zeroMass"] = {"x": rows(x), "y": rows(y), "a": a.tolist(), "b": b.tolist(), "cost": float(log["cost"])}

    # Degenerate: integer costs 0..19 on a 40 x 40 grid with uniform
    # weights: many ties and zero costs.
    C = rng.integers(0, 20, size=(40, 40)).astype(float)
    u = np.full(40, 1 / 40)
    G, log = emd(u, u, C)
    out["integer"] = {"cost_matrix": rows(C), "cost": float(log["cost"])}

    # Identical clouds: cost 0.
    x = rng.standard_normal((50, 2))
    out["identical"] = {"x": rows(x)}

    # The benchmark clouds: X ~ N(0, I), Y ~ N(1, I), uniform weights, default_rng(0), X then Y.
    for n in (1000, 3000):
        g = np.random.default_rng(0)
        x = g.standard_normal((n, 2))
        y = g.standard_normal((n, 2)) + 1
        w = np.full(n, 1 / n)
        G, log = emd(w, w, ot.dist(x, y))
        out[f"clouds{n}"] = {"x": rows(x), "y": rows(y), "cost": float(log["cost"])}
    write("exact_transport.json", out)


GROUPS = {"linalg": linalg, "optimal_transport": optimal_transport, "sliced": sliced, "sensitivity": sensitivity,
          "l1_sensitivities": l1_sensitivities, "exact_transport": exact_transport}

if __name__ == "__main__":
    names = sys.argv[1:] or list(GROUPS)
    for n in names:
        GROUPS[n]()
