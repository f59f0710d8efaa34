#!/usr/bin/python3
# Writes the committed fixtures that pin OnnxClassifier to PyTorch: 16 glyphs (8 synthetic look-alikes
# O 0 I 1 S 5 Z 2 from the test split, 8 held-out real letters) and the PyTorch model's logits and
# embeddings on them, computed from the checkpoint that train_cnn.py saved next to the shipped ONNX.
#   /usr/bin/python3 training/make_onnx_fixtures.py --model resources/models/cnn-compact \
#       --checkpoint training/checkpoints/cnn-compact.pt --data ../data/synth1000 \
#       --real ../shared/data/nist26/nist26_valid_dev.mat --out test/fixtures/onnx/cnn-compact-16
import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import CLASSES, first_per_class, load_checkpoint, read_glyph_file, read_split  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--model', required=True)
p.add_argument('--checkpoint', required=True)
p.add_argument('--data', required=True)
p.add_argument('--real', required=True)
p.add_argument('--real-per-class', type=int, default=20)
p.add_argument('--out', required=True, help='path prefix: writes PREFIX.glyphs.f32 and PREFIX.torch.json')
args = p.parse_args()

xte, yte = read_split(args.data, 'test')
xr, yr, _ = read_glyph_file(args.real)
_, rest = first_per_class(yr, args.real_per_class)
picks, labels = [], []
for c in 'O0I1S5Z2':
    i = int(np.where(yte == CLASSES.index(c))[0][0])
    picks.append(xte[i]); labels.append(c)
for c in 'ABGMQRWX':
    i = int(rest[np.where(yr[rest] == CLASSES.index(c))[0][0]])
    picks.append(xr[i]); labels.append(c)
x = np.stack(picks).astype('<f4')

model = load_checkpoint(args.checkpoint)
with torch.no_grad():
    logits, emb = model(torch.from_numpy(x).unsqueeze(1))
onnx_sha = hashlib.sha256(open(os.path.join(args.model, 'model.onnx'), 'rb').read()).hexdigest()
x.tofile(args.out + '.glyphs.f32')
with open(args.out + '.torch.json', 'w') as f:
    json.dump({'model': os.path.basename(os.path.normpath(args.model)), 'modelSha256': onnx_sha, 'n': len(x), 'truth': labels,
               'torch': torch.__version__, 'logits': logits.numpy().round(7).tolist(), 'embedding': emb.numpy().round(7).tolist(),
               'labels': [CLASSES[i] for i in logits.argmax(1).tolist()]}, f)
print(f'wrote {args.out}.glyphs.f32 and {args.out}.torch.json; PyTorch says {"".join(CLASSES[i] for i in logits.argmax(1).tolist())} for {"".join(labels)}')
