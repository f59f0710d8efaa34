# The pair reader (issue 12): a compact CNN that reads a candidate box holding two touching characters as the two,
# left and right. Its input is the glyph the page classifier gets (the candidate framed to 32×32 by extractGlyphs),
# its outputs two heads of 37 logits each (A–Z, 0–9 and "no pair here"); a box of one character, a fragment or three
# characters is taught "no pair" on both heads. The material is the reading stage's own box and merge candidates on
# training pages (`glyphdesk data pages --glyphs training`, never the evaluation sources), labelled by
# bench/pair-crops.ts from the characters the generator drew. The trunk starts from the touching model's checkpoint.
#   /usr/bin/python3 training/train_pairs.py --train A [B …] --valid C --init training/checkpoints/cnn-touching.pt \
#       --out DIR [--epochs 8] [--seed 1]
# A, B, C: the file prefixes bench/pair-crops.ts wrote (PREFIX.x.f32, PREFIX.y.u8).
import argparse
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import GlyphCNN, CLASSES, OPSET  # noqa: E402

NONE = len(CLASSES)  # 36: no pair here


def load(prefix):
    x = np.fromfile(prefix + '.x.f32', dtype=np.float32).reshape(-1, 1, 32, 32)
    y = np.fromfile(prefix + '.y.u8', dtype=np.uint8).reshape(-1, 2).astype(np.int64)
    return x, y


class PairCNN(nn.Module):
    """GlyphCNN's trunk and embedding; one linear layer to two heads of 37."""

    def __init__(self, arch='compact'):
        super().__init__()
        base = GlyphCNN(arch)
        self.features, self.embed = base.features, base.embed
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(base.embed_dim, 2 * (NONE + 1)))

    def forward(self, glyphs):
        ink = (1.0 - glyphs - 0.17) / 0.35
        z = self.head(self.embed(self.features(ink)))
        return z[:, :NONE + 1], z[:, NONE + 1:]


def augment(x, gen):
    """Small shifts (±1 px), ink contrast and noise; no flips (they would swap left and right)."""
    n = x.shape[0]
    dx = torch.randint(-1, 2, (n,), generator=gen)
    dy = torch.randint(-1, 2, (n,), generator=gen)
    out = torch.ones_like(x)
    for sx in (-1, 0, 1):
        for sy in (-1, 0, 1):
            m = (dx == sx) & (dy == sy)
            if m.any():
                out[m] = torch.roll(x[m], shifts=(sy, sx), dims=(2, 3))
    ink = (1.0 - out) * (0.8 + 0.3 * torch.rand(n, 1, 1, 1, generator=gen))
    ink = ink + torch.randn(ink.shape, generator=gen) * 0.03
    return (1.0 - ink).clamp(0, 1)


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        ls, rs = [], []
        for s in range(0, len(x), 1024):
            l, r = model(torch.from_numpy(x[s:s + 1024]))
            ls.append(l.argmax(1))
            rs.append(r.argmax(1))
    pl, pr = torch.cat(ls).numpy(), torch.cat(rs).numpy()
    pair = y[:, 0] != NONE
    both = (pl == y[:, 0]) & (pr == y[:, 1])
    return {'pairs': int(pair.sum()), 'pairAccuracy': float(both[pair].mean()),
            'others': int((~pair).sum()), 'noneAccuracy': float(((pl == NONE) & (pr == NONE))[~pair].mean()),
            'falsePairs': float(((pl != NONE) & (pr != NONE))[~pair].mean())}


def portable(arg):
    """An argument as the card records it: a path relative to the working directory (the repository), never absolute."""
    return os.path.relpath(arg) if os.path.isabs(arg) else arg


def sha256_file(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--train', nargs='+', required=True)
    p.add_argument('--valid', required=True)
    p.add_argument('--init', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--pair-repeat', type=int, default=2, help='times each pair crop appears per epoch')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    parts = [load(f) for f in args.train]
    x = np.concatenate([a for a, _ in parts])
    y = np.concatenate([b for _, b in parts])
    pair = y[:, 0] != NONE
    x = np.concatenate([x] + [x[pair]] * (args.pair_repeat - 1))
    y = np.concatenate([y] + [y[pair]] * (args.pair_repeat - 1))
    xv, yv = load(args.valid)
    print(f'train {len(x)} ({int((y[:, 0] != NONE).sum())} pairs), valid {len(xv)}', flush=True)
    model = PairCNN()
    ck = torch.load(args.init)
    own = model.state_dict()
    trunk = {k: v for k, v in ck['state_dict'].items() if k.startswith(('features.', 'embed.'))}
    own.update(trunk)
    model.load_state_dict(own)
    steps = args.epochs * ((len(x) + args.batch - 1) // args.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    curves = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        t0, tl = time.time(), 0.0
        for s in range(0, len(x), args.batch):
            idx = order[s:s + args.batch]
            xb, yb = augment(xt[idx], gen), yt[idx]
            l, r = model(xb)
            loss = F.cross_entropy(l, yb[:, 0]) + F.cross_entropy(r, yb[:, 1])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tl += float(loss) * len(idx)
        m = evaluate(model, xv, yv)
        curves.append({'epoch': epoch, 'loss': tl / len(x), **m})
        print(f'epoch {epoch} loss {tl / len(x):.4f} {json.dumps(m)} {time.time() - t0:.0f}s', flush=True)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'model.onnx')
    torch.onnx.export(model, torch.ones(1, 1, 32, 32), onnx_path, input_names=['glyphs'], output_names=['left', 'right'],
                      dynamic_axes={'glyphs': {0: 'n'}, 'left': {0: 'n'}, 'right': {0: 'n'}}, opset_version=OPSET,
                      do_constant_folding=True)
    torch.save({'state_dict': model.state_dict()}, os.path.join(args.out, 'model.pt'))
    card = {
        'format': 'glyphdesk-pair-onnx', 'formatVersion': 1, 'name': 'cnn-pairs',
        'modelFile': 'model.onnx', 'modelSha256': sha256_file(onnx_path),
        'classes': CLASSES + ['none'],
        'input': {'name': 'glyphs', 'size': 32, 'channels': 1, 'layout': 'NCHW', 'background': 1, 'ink': 0},
        'outputs': {'left': 'left', 'right': 'right'},
        'card': {
            'created': datetime.now(timezone.utc).isoformat(),
            'command': '/usr/bin/python3 training/train_pairs.py ' + ' '.join(portable(a) for a in sys.argv[1:]),
            'train': [{'prefix': os.path.basename(f), 'sha256': sha256_file(f + '.x.f32')} for f in args.train],
            'valid': {'prefix': os.path.basename(args.valid), 'sha256': sha256_file(args.valid + '.x.f32')},
            'init': {'file': portable(args.init), 'sha256': sha256_file(args.init)},
            'seed': args.seed, 'threads': args.threads, 'epochs': args.epochs, 'batch': args.batch, 'lr': args.lr, 'pairRepeat': args.pair_repeat,
            'curves': curves,
        },
    }
    json.dump(card, open(os.path.join(args.out, 'model.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
