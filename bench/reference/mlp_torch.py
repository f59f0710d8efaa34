"""PyTorch (CPU) reference for Glyphdesk's MLP training epoch, the same algorithm as mlp_numpy.py
(read that file's docstring) written with torch tensors: 1024-64-36, sigmoid, softmax cross-entropy
in log-sum-exp form, batch 32, plain SGD, float32, backprop by hand (as Glyphdesk and NumPy do; no
autograd bookkeeping), no input gradient for the first layer. bench/train-epoch.ts runs it with
--serve next to the NumPy reference.

Usage: python3 mlp_torch.py --inputs DIR --serve [--threads T] [--lr LR]
"""
import argparse
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as e:
    sys.stderr.write("mlp_torch.py: %s for %s (apt install python3-torch)\n" % (e, sys.executable))
    sys.exit(3)

D, H, C, BATCH = 1024, 64, 36, 32


def epoch(x, y, order, W1, b1, W2, b2, lr):
    n = x.shape[0]
    loss_sum = 0.0
    correct = 0
    with torch.no_grad():
        for s in range(0, n, BATCH):
            idx = order[s:s + BATCH]
            X = x[idx]
            Y = y[idx]
            m = X.shape[0]
            rows = torch.arange(m)
            h = torch.sigmoid(torch.addmm(b1, X, W1))
            z = torch.addmm(b2, h, W2)
            z = z - z.max(dim=1, keepdim=True).values
            e = torch.exp(z)
            se = e.sum(dim=1, keepdim=True)
            p = e / se
            loss_sum += float((torch.log(se[:, 0]) - z[rows, Y]).sum())
            correct += int((p.argmax(dim=1) == Y).sum())
            dz = p
            dz[rows, Y] -= 1
            dz /= m
            dW2 = h.t() @ dz
            db2 = dz.sum(dim=0)
            da = (dz @ W2.t()) * h * (1 - h)
            dW1 = X.t() @ da
            db1 = da.sum(dim=0)
            W1.sub_(dW1, alpha=lr)
            b1.sub_(db1, alpha=lr)
            W2.sub_(dW2, alpha=lr)
            b2.sub_(db2, alpha=lr)
    return loss_sum / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    f = lambda name, dt: np.fromfile(os.path.join(a.inputs, name), dtype=dt)
    y = torch.from_numpy(f("y.u8", np.uint8).astype(np.int64))
    n = y.shape[0]
    x = torch.from_numpy(f("x.f32", "<f4").reshape(n, D))
    order = torch.from_numpy(f("order.u32", "<u4").astype(np.int64))
    init = [torch.from_numpy(f(name + ".f32", "<f4")) for name in ["W1", "b1", "W2", "b2"]]
    init[0] = init[0].reshape(D, H)
    init[2] = init[2].reshape(H, C)
    result = None
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "epoch":
            w = [t.clone() for t in init]
            c0, t0 = time.process_time(), time.perf_counter()
            loss, acc = epoch(x, y, order, *w, a.lr)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            result = (loss, acc, w)
            print(json.dumps({"seconds": wall, "cpu": cpu}), flush=True)
        elif cmd == "finish" and result is not None:
            loss, acc, w = result
            for name, arr in zip(["W1", "b1", "W2", "b2"], w):
                arr.numpy().astype("<f4").tofile(os.path.join(a.inputs, "torch_" + name + ".f32"))
            print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "n": n, "trainLoss": loss,
                              "trainAcc": acc, "finalW1Sum": float(w[0].double().sum())}), flush=True)
            return


if __name__ == "__main__":
    main()
