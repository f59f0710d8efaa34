#!/usr/bin/python3
# Report only: ink-box width ÷ height (quartiles) of the look-alike classes in each glyph set, to see whether
# width can tell 0 from O, 1 from I, 2 from Z and 5 from S in the data the CNNs learn from and are judged on.
#   /usr/bin/python3 training/aspect_stats.py --data ../data/synth1000 --digits ../data/mnist-real/mnist_train.mat \
#     --letters ../shared/data/nist26/nist26_valid_dev.mat --unseen ../data/unseen.mat
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import CLASSES, read_glyph_file, read_split  # noqa: E402


def aspects(x):
    out = []
    for g in (1 - x) > 0.5:
        ys, xs = np.nonzero(g)
        out.append((xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1) if len(xs) else np.nan)
    return np.array(out)


p = argparse.ArgumentParser()
p.add_argument('--data', required=True, help='synthetic set (its train split is measured)')
p.add_argument('--digits', required=True)
p.add_argument('--letters', required=True)
p.add_argument('--unseen', required=True)
a = p.parse_args()
sets = {'synthetic train': read_split(a.data, 'train'), 'real digits': read_glyph_file(a.digits)[:2],
        'real letters': read_glyph_file(a.letters)[:2], 'unseen': read_glyph_file(a.unseen)[:2]}
print('| class | ' + ' | '.join(sets) + ' |')
print('|---|' + '---|' * len(sets))
for c in 'O0I1Z2S5':
    k = CLASSES.index(c)
    cells = []
    for x, y in sets.values():
        m = y == k
        v = aspects(x[m])
        cells.append(f'{np.nanmedian(v):.2f} ({np.nanpercentile(v, 25):.2f}–{np.nanpercentile(v, 75):.2f}, n={m.sum()})' if m.any() else '—')
    print(f'| {c} | ' + ' | '.join(cells) + ' |')
