#!/usr/bin/python3
# PyTorch CPU half of bench/cnn-throughput.ts: glyphs per second of the same models (the MLP rebuilt
# from weights.bin, the CNNs from training/checkpoints/*.pt) at batch 1 and 256, with 2 threads like
# Glyphdesk's onnxruntime session. Prints one JSON object; run it through the .ts script.
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as e:
    sys.exit(f'cnn-throughput.py needs python3-torch and python3-numpy for /usr/bin/python3 ({e}); see training/install.sh')

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'training'))
from train_cnn import load_checkpoint  # noqa: E402


def load_mlp(d):
    m = json.load(open(os.path.join(d, 'model.json')))
    raw = open(os.path.join(d, 'weights.bin'), 'rb').read()
    t = {e['name']: torch.from_numpy(np.frombuffer(raw, '<f4', int(np.prod(e['shape'])), e['offset']).reshape(e['shape']).copy()) for e in m['tensors']}
    act = {'sigmoid': torch.sigmoid, 'relu': torch.relu, 'tanh': torch.tanh}[m['activation']]
    layers = len(m['sizes']) - 1

    def forward(x):
        h = x.reshape(x.shape[0], -1)
        for i in range(layers):
            h = h @ t[f'dense{i}.W'] + t[f'dense{i}.b']
            if i < layers - 1:
                h = act(h)
        return torch.softmax(h, 1)
    return forward


def load_cnn(ckpt):
    model = load_checkpoint(ckpt)
    return lambda x: torch.softmax(model(x)[0], 1)


def rate(fn, x, batch, seconds):
    n = x.shape[0]
    with torch.inference_mode():
        fn(x[:batch])  # warm-up
        done, i, t0 = 0, 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            s = (i * batch) % (n - batch + 1)
            fn(x[s:s + batch])
            done += batch
            i += 1
        return done / (time.perf_counter() - t0)


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec['threads'])
    x = torch.from_numpy(np.fromfile(spec['glyphs'], '<f4').reshape(-1, 1, 32, 32))
    out = {'torch': torch.__version__, 'threads': spec['threads'], 'rates': {}}
    for m in spec['models']:
        fn = load_mlp(m['dir']) if m['kind'] == 'mlp' else load_cnn(m['checkpoint'])
        out['rates'][m['name']] = {str(b): rate(fn, x, b, spec['seconds']) for b in spec['batches']}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
