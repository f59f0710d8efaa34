#!/usr/bin/python3
# Splits the real NIST26 letters into the three parts issue 17's models use, and joins them with the real
# digits (glyphdesk data import mnist) into one 36-class real set, both in the NIST36 layout, so that the
# selection (early stopping, calibration) runs on real glyphs that are neither trained on nor tested on.
# Per class, in file order (the rule train_cnn.py and glyphdesk eval use for "the first K per class"):
#   positions 0..19   train  (the 20 per class every shipped CNN has trained on since issue 5)
#   positions 20..24  valid  (5 per class, 130 glyphs: selection and calibration only)
#   positions 25..34  test   (10 per class, 260 glyphs: reported, never selected on)
# Usage: /usr/bin/python3 training/split_real.py --letters ../shared/data/nist26/nist26_valid_dev.mat \
#          --digits ../data/mnist-real --out-letters ../data/nist26-split --out-real ../data/real36
import argparse
import json
import os
import sys

import numpy as np
import scipy.io as sio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import CLASSES, portable, portable_command, sha256_file  # noqa: E402

TRAIN_PER_CLASS, VALID_PER_CLASS = 20, 5


def positions_per_class(y):
    """For each glyph, its position among the glyphs of its class in file order."""
    seen = {}
    pos = np.zeros(len(y), dtype=np.int64)
    for i, c in enumerate(y):
        pos[i] = seen.get(int(c), 0)
        seen[int(c)] = pos[i] + 1
    return pos


def load(path):
    m = sio.loadmat(path)
    dk = [k for k in m if k.endswith('_data')][0]
    lk = [k for k in m if k.endswith('_labels')][0]
    return np.asarray(m[dk], dtype=np.float64), np.asarray(m[lk]).argmax(1)


def onehot36(y):
    o = np.zeros((len(y), len(CLASSES)), dtype=np.uint8)
    o[np.arange(len(y)), y] = 1
    return o


def write_set(out, name, parts, manifest):
    if os.path.exists(out) and os.listdir(out):
        raise SystemExit(f'{out} exists and is not empty; choose a new folder')
    os.makedirs(out, exist_ok=True)
    for split, (x, y) in parts.items():
        # Column-major glyph rows are kept exactly as they were read: no transposition here.
        sio.savemat(os.path.join(out, f'{name}_{split}.mat'), {f'{split}_data': x, f'{split}_labels': onehot36(y)}, do_compression=True)
    manifest['files'] = {s: {'file': f'{name}_{s}.mat', 'sha256': sha256_file(os.path.join(out, f'{name}_{s}.mat')), 'n': int(len(parts[s][1]))} for s in parts}
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--letters', required=True)
    p.add_argument('--digits', required=True, help='a glyphdesk data import mnist folder (mnist_train/valid/test.mat)')
    p.add_argument('--out-letters', required=True)
    p.add_argument('--out-real', required=True)
    a = p.parse_args()
    xl, yl = load(a.letters)
    pos = positions_per_class(yl)
    masks = {'train': pos < TRAIN_PER_CLASS, 'valid': (pos >= TRAIN_PER_CLASS) & (pos < TRAIN_PER_CLASS + VALID_PER_CLASS),
             'test': pos >= TRAIN_PER_CLASS + VALID_PER_CLASS}
    letters = {s: (xl[m], yl[m]) for s, m in masks.items()}
    rule = {'train': f'positions 0–{TRAIN_PER_CLASS - 1} of each class in file order (trained on)',
            'valid': f'positions {TRAIN_PER_CLASS}–{TRAIN_PER_CLASS + VALID_PER_CLASS - 1} (selection and calibration only)',
            'test': f'positions {TRAIN_PER_CLASS + VALID_PER_CLASS}– (held out: reported, never selected on)'}
    source = {'file': portable(a.letters), 'sha256': sha256_file(a.letters), 'n': int(len(yl))}
    cmd = portable_command('split_real.py', sys.argv[1:])
    write_set(a.out_letters, 'nist26', letters, {
        'name': 'nist26-split', 'command': cmd, 'source': source, 'rule': rule,
        'indices': {s: np.nonzero(m)[0].tolist() for s, m in masks.items()}})
    digits = {}
    dsrc = {}
    for s in ('train', 'valid', 'test'):
        f = os.path.join(a.digits, f'mnist_{s}.mat')
        digits[s] = load(f)
        dsrc[s] = {'file': portable(f), 'sha256': sha256_file(f), 'n': int(len(digits[s][1]))}
    real = {s: (np.concatenate([letters[s][0], digits[s][0]]), np.concatenate([letters[s][1], digits[s][1]])) for s in letters}
    write_set(a.out_real, 'real36', real, {
        'name': 'real36', 'command': cmd, 'note': 'each split = the nist26-split split (letters first) followed by the same split of the real digits',
        'letters': {'source': source, 'rule': rule}, 'digits': dsrc})
    for s in real:
        print(s, 'letters', len(letters[s][1]), 'digits', len(digits[s][1]))


if __name__ == '__main__':
    main()
