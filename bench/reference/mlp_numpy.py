"""NumPy reference for Glyphdesk's MLP training epoch (bench/train-epoch.ts compares against it).

Same algorithm as src/main/nn: 1024-64-36, sigmoid hidden layer, softmax cross-entropy (mean
over the batch, log-sum-exp form), batch 32, plain SGD, Xavier-uniform init, float32 throughout;
no input gradient is computed for the first layer (nobody uses it), same as Glyphdesk.

Usage:
  python3 mlp_numpy.py                       # own seeded data and init, prints JSON timings
  python3 mlp_numpy.py --inputs DIR          # data, sample order and initial weights written by
                                             # train-epoch.ts (x.f32 y.u8 order.u32 W1.f32 b1.f32
                                             # W2.f32 b2.f32), so the two runs can be compared
  python3 mlp_numpy.py --inputs DIR --serve  # for interleaved timing: one epoch (from the initial
                                             # weights) per "epoch" line on stdin, answered by one
                                             # JSON line; "finish" writes numpy_*.f32 of the last
                                             # epoch and answers with the summary JSON
Options: --reps N (default 5), --n N (default 10800), --lr LR (default 0.01)
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import numpy as np
except ImportError:
    sys.stderr.write("mlp_numpy.py: NumPy is not installed for %s; install it (apt install python3-numpy or pip install numpy)\n" % sys.executable)
    sys.exit(3)

D, H, C, BATCH = 1024, 64, 36, 32


def glyph_like(n, rng):
    """Background 1, a few dark strokes: rows/columns/diagonals of 0 on a 32x32 grid."""
    x = np.ones((n, 32, 32), dtype=np.float32)
    for i in range(n):
        for _ in range(3):
            k = rng.integers(0, 3)
            p = rng.integers(4, 28)
            if k == 0:
                x[i, p, 4:28] = 0
            elif k == 1:
                x[i, 4:28, p] = 0
            else:
                idx = np.arange(4, 28)
                x[i, idx, idx] = 0
    return x.reshape(n, D), rng.integers(0, C, size=n).astype(np.uint8)


def xavier(rng, fan_in, fan_out):
    b = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-b, b, size=(fan_in, fan_out)).astype(np.float32)


def epoch(x, y, order, W1, b1, W2, b2, lr):
    n = x.shape[0]
    loss_sum = 0.0
    correct = 0
    lr = np.float32(lr)
    for s in range(0, n, BATCH):
        idx = order[s:s + BATCH]
        X = x[idx]
        Y = y[idx]
        m = X.shape[0]
        rows = np.arange(m)
        # forward
        h = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
        z = h @ W2 + b2
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        se = e.sum(axis=1, keepdims=True)
        p = e / se
        loss_sum += float((np.log(se[:, 0]) - z[rows, Y]).sum())
        correct += int((p.argmax(axis=1) == Y).sum())
        # backward
        dz = p
        dz[rows, Y] -= 1
        dz /= m
        dW2 = h.T @ dz
        db2 = dz.sum(axis=0)
        da = (dz @ W2.T) * h * (1 - h)
        dW1 = X.T @ da
        db1 = da.sum(axis=0)
        # SGD
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return loss_sum / n, correct / n


def blas_env():
    return {k: v for k, v in os.environ.items() if "BLAS" in k or "OMP" in k or "MKL" in k}


def serve(a, x, y, order, W1, b1, W2, b2, n):
    """One epoch per request, so the caller can alternate its own epochs with ours."""
    result = None
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "epoch":
            w = [W1.copy(), b1.copy(), W2.copy(), b2.copy()]
            c0, t0 = time.process_time(), time.perf_counter()
            loss, acc = epoch(x, y, order, *w, a.lr)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            result = (loss, acc, w)
            print(json.dumps({"seconds": wall, "cpu": cpu}), flush=True)
        elif cmd == "finish" and result is not None:
            loss, acc, w = result
            for name, arr in zip(["W1", "b1", "W2", "b2"], w):
                arr.astype("<f4").tofile(os.path.join(a.inputs, "numpy_" + name + ".f32"))
            print(json.dumps({"numpy": np.__version__, "n": n, "trainLoss": loss, "trainAcc": acc,
                              "finalW1Sum": float(w[0].astype(np.float64).sum()), "env": blas_env()}), flush=True)
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--n", type=int, default=10800)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    if a.inputs:
        f = lambda name, dt: np.fromfile(os.path.join(a.inputs, name), dtype=dt)
        y = f("y.u8", np.uint8)
        n = y.shape[0]
        x = f("x.f32", "<f4").reshape(n, D)
        order = f("order.u32", "<u4").astype(np.intp)
        W1, b1 = f("W1.f32", "<f4").reshape(D, H), f("b1.f32", "<f4")
        W2, b2 = f("W2.f32", "<f4").reshape(H, C), f("b2.f32", "<f4")
    else:
        rng = np.random.default_rng(1)
        n = a.n
        x, y = glyph_like(n, rng)
        order = rng.permutation(n)
        W1, b1 = xavier(rng, D, H), np.zeros(H, np.float32)
        W2, b2 = xavier(rng, H, C), np.zeros(C, np.float32)
    if a.serve:
        serve(a, x, y, order, W1, b1, W2, b2, n)
        return
    times = []
    result = None
    for _ in range(a.reps):
        w = [W1.copy(), b1.copy(), W2.copy(), b2.copy()]
        t0 = time.perf_counter()
        loss, acc = epoch(x, y, order, *w, a.lr)
        times.append(time.perf_counter() - t0)
        result = (loss, acc, w)
    loss, acc, w = result
    out = {
        "numpy": np.__version__,
        "n": n,
        "reps": a.reps,
        "seconds": times,
        "median": statistics.median(times),
        "trainLoss": loss,
        "trainAcc": acc,
        "finalW1Sum": float(w[0].astype(np.float64).sum()),
        "finalW2Sum": float(w[2].astype(np.float64).sum()),
        "env": {k: v for k, v in os.environ.items() if "BLAS" in k or "OMP" in k or "MKL" in k},
    }
    if a.inputs:
        for name, arr in zip(["W1", "b1", "W2", "b2"], w):
            arr.astype("<f4").tofile(os.path.join(a.inputs, "numpy_" + name + ".f32"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
