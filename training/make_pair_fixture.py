#!/usr/bin/python3
# Writes the committed fixture that pins the pair reader's ONNX run (src/main/read/pairReader.ts) to PyTorch: 12
# crops of the held-out pair-crop file (8 pairs, 4 that are none, spread over it) and the checkpoint's two heads' probabilities.
#   /usr/bin/python3 training/make_pair_fixture.py --model resources/pairs --checkpoint training/checkpoints/cnn-pairs.pt \
#       --crops ../data/pairs/t1105 --out test/fixtures/onnx/cnn-pairs-12
import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cnn import CLASSES  # noqa: E402
from train_pairs import NONE, PairCNN, load  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--model', required=True)
p.add_argument('--checkpoint', required=True)
p.add_argument('--crops', required=True)
p.add_argument('--out', required=True)
args = p.parse_args()
x, y = load(args.crops)
# Spread over the file (neighbouring crops are often one pair seen as a box, a merge and a run of cut pieces).
pairs = np.where(y[:, 0] != NONE)[0]
pairs = pairs[np.linspace(0, len(pairs) - 1, 8).astype(int)]
others = np.where(y[:, 0] == NONE)[0]
others = others[np.linspace(0, len(others) - 1, 4).astype(int)]
idx = np.concatenate([pairs, others])
xs = np.ascontiguousarray(x[idx, 0]).astype('<f4')
model = PairCNN()
model.load_state_dict(torch.load(args.checkpoint)['state_dict'])
model.eval()
with torch.no_grad():
    left, right = model(torch.from_numpy(xs).unsqueeze(1))
pl, pr = torch.softmax(left, 1).numpy(), torch.softmax(right, 1).numpy()
names = CLASSES + ['none']
onnx_sha = hashlib.sha256(open(os.path.join(args.model, 'model.onnx'), 'rb').read()).hexdigest()
xs.tofile(args.out + '.glyphs.f32')
with open(args.out + '.torch.json', 'w') as f:
    json.dump({'model': os.path.basename(os.path.normpath(args.model)), 'modelSha256': onnx_sha, 'n': len(xs),
               'truth': [[names[a], names[b]] for a, b in y[idx].tolist()], 'torch': torch.__version__,
               'left': pl.round(7).tolist(), 'right': pr.round(7).tolist()}, f)
print(f'wrote {args.out}.glyphs.f32 and {args.out}.torch.json')
