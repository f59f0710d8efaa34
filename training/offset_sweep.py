#!/usr/bin/python3
# Report only, never used to choose anything: how one look-alike offset trades the digit against its letter
# on every set at once. For an ensemble of GlyphCNN members (train_cnn.py / tune_heads.py checkpoints) and
# their card offsets, the digit's offset is swept and each set's recall of the digit and of the letter is
# printed (real digits test, real letters held out, unseen hands, synthetic test). The conv features come from
# tune_heads.py's cache (the conv stages are the same in the shipped and the fine-tuned members).
#   /usr/bin/python3 training/offset_sweep.py --member training/checkpoints/cnn-compact.pt --member training/checkpoints/cnn-wide.pt \
#     --card resources/models/cnn-best/model.json --cache FEATURES.pt --pair O0 --data ../data/synth1000 \
#     --real ../shared/data/nist26/nist26_valid_dev.mat --digits ../data/mnist-real --unseen ../data/unseen.mat
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune_heads import CLASSES, load_data, load_member, logits_of  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--member', action='append', required=True)
p.add_argument('--card', required=True, help="model.json whose logitOffsets are the starting point")
p.add_argument('--cache', required=True)
p.add_argument('--pair', default='O0')
p.add_argument('--data', required=True)
p.add_argument('--real', required=True)
p.add_argument('--real-per-class', type=int, default=20)
p.add_argument('--real-valid-per-class', type=int, default=5)
p.add_argument('--digits', required=True)
p.add_argument('--unseen', required=True)
p.add_argument('--grid', default='-1,-0.5,0,0.25,0.5,0.75,1,1.5,2')
a = p.parse_args()
torch.set_num_threads(1)
letter, digit = CLASSES.index(a.pair[0]), CLASSES.index(a.pair[1])
card = json.load(open(a.card))
base = np.array(card.get('logitOffsets') or [0.0] * len(CLASSES), dtype=np.float32)
members = [load_member(m)[0] for m in a.member]
d = load_data(a)
cache = torch.load(a.cache)
sets = {'real digits test': ('digits_test', digit), 'real letters held out': ('letters_heldout', letter),
        'unseen': ('unseen', None), 'synthetic test': ('synth_test', None)}
logits = {}
for key in ('digits_test', 'letters_heldout', 'unseen', 'synth_test'):
    logits[key] = torch.stack([logits_of(m, cache['eval'][i][key]) for i, m in enumerate(members)]).mean(0).numpy()
print(f'| {a.pair[1]} offset | real {a.pair[1]} (test) | real {a.pair[0]} (letters held out) | unseen {a.pair[1]} | unseen {a.pair[0]} | synthetic {a.pair[1]} | synthetic {a.pair[0]} | real digits 36-way | real letters | synthetic test |')
print('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for v in [float(x) for x in a.grid.split(',')]:
    off = base.copy()
    off[digit] = v
    r = {}
    for key in logits:
        y = d[key][1]
        pred = (logits[key] + off).argmax(1)
        r[key] = (pred, y)

    def rec(key, c):
        pred, y = r[key]
        m = y == c
        return f'{(pred[m] == c).mean() * 100:.1f}' if m.any() else '—'

    def acc(key):
        pred, y = r[key]
        return f'{(pred == y).mean() * 100:.2f}'
    mark = ' (card)' if abs(v - base[digit]) < 1e-6 else ''
    print(f'| {v:+.2f}{mark} | {rec("digits_test", digit)} | {rec("letters_heldout", letter)} | {rec("unseen", digit)} | {rec("unseen", letter)} | '
          f'{rec("synth_test", digit)} | {rec("synth_test", letter)} | {acc("digits_test")} | {acc("letters_heldout")} | {acc("synth_test")} |')
