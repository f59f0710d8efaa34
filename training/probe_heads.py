"""Probe: how well does a linear softmax head on a CNN's frozen embeddings separate the look-alikes?

Refits the last layer of a checkpoint (train_cnn.py / ensemble_cnn.py) on the embeddings of the clean
(un-augmented) synthetic training glyphs, with and without the real trained-on letters, and prints
accuracy and the 0/O, 1/I per-class accuracy on synthetic test, the unseen hands and the held-out real
letters. A diagnostic for docs/MODELS.md, not a shipped model. Seeded; ~2 minutes for cnn-best here.

/usr/bin/python3 training/probe_heads.py --checkpoint training/checkpoints/cnn-best.pt --data ../data/synth1000 \
    --real ../shared/data/nist26/nist26_valid_dev.mat --unseen ../data/unseen.mat
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import CLASSES, first_per_class, load_checkpoint, read_glyph_file, read_split  # noqa: E402
import torch  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--checkpoint', required=True)
p.add_argument('--data', required=True)
p.add_argument('--real', required=True, help='real letters; the first --real-per-class per class are trained on')
p.add_argument('--real-per-class', type=int, default=20)
p.add_argument('--real-repeat', type=int, default=8)
p.add_argument('--unseen', required=True)
p.add_argument('--epochs', type=int, default=30)
p.add_argument('--seed', type=int, default=0)
args = p.parse_args()

torch.manual_seed(args.seed)
torch.set_num_threads(2)
model = load_checkpoint(args.checkpoint)


@torch.no_grad()
def embed(x):
    return torch.cat([model(torch.from_numpy(x[s:s + 1024]).unsqueeze(1))[1] for s in range(0, len(x), 1024)])


xtr, ytr = read_split(args.data, 'train')
xte, yte = read_split(args.data, 'test')
xu, yu, _ = read_glyph_file(args.unseen)
xr, yr, _ = read_glyph_file(args.real)
chosen, rest = first_per_class(yr, args.real_per_class)
sets = {'synthetic test': (xte, yte), 'unseen hands': (xu, yu), 'real held out': (xr[rest], yr[rest])}
E = {k: embed(x) for k, (x, _) in sets.items()}
Y = {k: torch.from_numpy(y).long() for k, (_, y) in sets.items()}
etr, ertr = embed(xtr), embed(xr[chosen])
t_ytr, t_yrtr = torch.from_numpy(ytr).long(), torch.from_numpy(yr[chosen]).long()


def fit(X, y):
    g = torch.Generator().manual_seed(args.seed)
    head = torch.nn.Linear(X.shape[1], len(CLASSES))
    opt = torch.optim.Adam(head.parameters(), 1e-2)
    for _ in range(args.epochs):
        perm = torch.randperm(len(X), generator=g)
        for s in range(0, len(X), 512):
            i = perm[s:s + 512]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(head(X[i]), y[i]).backward()
            opt.step()
    return head


@torch.no_grad()
def report(name, logits_of):
    parts = []
    for k in sets:
        pred, y = logits_of(k).argmax(1), Y[k]
        acc = (pred == y).float().mean().item()
        per = {c: ((pred == y) & (y == CLASSES.index(c))).sum().item() / max(1, (y == CLASSES.index(c)).sum().item()) for c in '0O1I'}
        shown = 'OI' if k == 'real held out' else '0O1I'
        parts.append(f"{k} {acc:.4f} (" + ' '.join(f"{c} {per[c]:.2f}" for c in shown) + ')')
    print(f"{name}: " + ' | '.join(parts))


with torch.no_grad():
    own = {k: torch.cat([model(torch.from_numpy(sets[k][0][s:s + 1024]).unsqueeze(1))[0] for s in range(0, len(sets[k][0]), 1024)]) for k in sets}
report('the checkpoint\'s own head', lambda k: own[k])
head = fit(etr, t_ytr)
report('refit, synthetic only', lambda k: head(E[k]))
head = fit(torch.cat([etr] + [ertr] * args.real_repeat), torch.cat([t_ytr] + [t_yrtr] * args.real_repeat))
report(f'refit, synthetic + real x{args.real_repeat}', lambda k: head(E[k]))
