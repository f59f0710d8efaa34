#!/usr/bin/python3
# Trains a Glyphdesk CNN on a NIST36-layout glyph set (plus the first K real glyphs per class of an
# optional extra file), evaluates it, and exports model.onnx + model.json (the model card) that
# src/main/recognize/onnxClassifier.ts loads. Run with Debian's /usr/bin/python3 (python3-torch 1.13);
# see training/README.md. Everything is seeded: same command, same weights on the same machine.
import argparse
import datetime
import glob
import hashlib
import json
import os
import sys
import time

try:
    import numpy as np
    import scipy.io as sio
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - environment check
    sys.exit(f'train_cnn.py needs python3-torch, python3-numpy and python3-scipy for /usr/bin/python3 '
             f'({e}); run `sudo bash training/install.sh` first')

CLASSES = list('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
LOOKALIKES = [('O', '0'), ('I', '1'), ('S', '5'), ('Z', '2'), ('G', '6'), ('B', '8')]
OPSET = 13
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from neighbours import bar_stub_batch, broken_batch, neighbour_batch, outlier_loss  # noqa: E402


def portable(path):
    """A data path as cards record it: relative to the repository root (e.g. ../data/synth1000), never absolute."""
    return os.path.relpath(os.path.abspath(path), REPO)


def portable_command(script, argv):
    """The command line with every existing path argument made repository-relative."""
    return f'/usr/bin/python3 training/{script} ' + ' '.join(portable(a) if os.path.isabs(a) and os.path.exists(a) else a for a in argv)


def portable_text(text):
    """A recorded command with its absolute path arguments made repository-relative."""
    if not isinstance(text, str):
        return text
    return ' '.join(portable(t) if os.path.isabs(t) else t for t in text.split(' '))


def git_commit_of(path):
    """The last commit that holds `path` as it is now (so a warm start can be reproduced after the file is overwritten)."""
    import subprocess
    try:
        out = subprocess.run(['git', 'log', '-1', '--format=%H', '--', os.path.abspath(path)], cwd=REPO, capture_output=True, text=True)
        return out.stdout.strip() or None
    except OSError:
        return None


def code_version():
    """The commit the training code ran at, and whether training/ differed from it (a dirty run is marked)."""
    import subprocess
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'training'], cwd=REPO, capture_output=True, text=True).stdout.strip()
        return {'commit': head or None, 'trainingDirty': bool(dirty)}
    except OSError:
        return {'commit': None, 'trainingDirty': None}


def machine():
    """The CPU and the kernels torch dispatches to: the same command gives the same weights on one machine, and
    differs in the last bits between CPU generations (seen between sessions on AMD EPYC guests)."""
    cpu = {}
    try:
        for line in open('/proc/cpuinfo'):
            k, _, v = line.partition(':')
            k = k.strip()
            if k in ('model name', 'cpu family', 'model') and k not in cpu:
                cpu[k] = v.strip()
            if k == 'flags':
                flags = set(v.split())
                cpu['isa'] = [f for f in ('avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16') if f in flags]
                break
    except OSError:
        pass
    capability = next((ln.split(':', 1)[1].strip() for ln in torch.__config__.show().splitlines()
                       if 'CPU capability usage' in ln), None)
    return {'cpu': cpu.get('model name'), 'family': cpu.get('cpu family'), 'model': cpu.get('model'),
            'isa': cpu.get('isa'), 'torchCpuCapability': capability}


def sha256_file(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()

# ---------------------------------------------------------------- data


def _key(mat, suffix):
    keys = [k for k in mat if not k.startswith('__') and k.endswith(suffix)]
    if len(keys) != 1:
        raise SystemExit(f'expected exactly one *{suffix} key, found {keys}')
    return keys[0]


def read_glyph_file(path):
    """A NIST-layout .mat file → (x n×32×32 float32 row-major upright, y n int64, class count in file)."""
    mat = sio.loadmat(path)
    data = np.asarray(mat[_key(mat, '_data')], dtype=np.float32)
    onehot = np.asarray(mat[_key(mat, '_labels')])
    n = data.shape[0]
    # MATLAB stores each glyph column-major: reshape(32,32) gives the transpose of the image.
    x = np.ascontiguousarray(data.reshape(n, 32, 32).transpose(0, 2, 1))
    y = onehot.argmax(1).astype(np.int64)  # 26-class files: letters share indices 0..25 with the 36 classes
    return x, y, onehot.shape[1]


def read_split(directory, split):
    files = sorted(glob.glob(os.path.join(directory, f'*_{split}.mat')))
    if len(files) != 1:
        raise SystemExit(f'{directory}: expected one *_{split}.mat, found {files}')
    x, y, _ = read_glyph_file(files[0])
    return x, y


def first_per_class(y, k):
    """Indices of the first k glyphs of each class in file order, and the rest (same rule as glyphdesk eval)."""
    counts = np.zeros(len(CLASSES), dtype=np.int64)
    chosen, rest = [], []
    for i, c in enumerate(y):
        if counts[c] < k:
            counts[c] += 1
            chosen.append(i)
        else:
            rest.append(i)
    return np.array(chosen, dtype=np.int64), np.array(rest, dtype=np.int64)

def extra_train_entry(path, per_class, repeat, x_count):
    """How a card records an extra training file: where (repository-relative), what (sha256), which glyphs."""
    return {'file': portable(path), 'sha256': sha256_file(path), 'perClass': per_class, 'repeat': repeat, 'glyphs': int(x_count)}


def digits_report(y, logits):
    """Real digits scored 36-way (as on a page) and 10-way (argmax over the digit logits only)."""
    pred36 = logits.argmax(1)
    pred10 = logits[:, 26:].argmax(1) + 26
    out = score(y, pred36)
    s10 = score(y, pred10)
    out['tenWay'] = {'accuracy': s10['accuracy'], 'perClass': {c: s10['perClass'][c] for c in CLASSES[26:]}}
    return out

def source_manifest(path):
    """The manifest.json beside an imported file (glyphdesk data import): its command, source and sample indices."""
    mf = os.path.join(os.path.dirname(os.path.abspath(path)), 'manifest.json')
    if not os.path.exists(mf):
        return None
    m = json.load(open(mf))
    split = os.path.basename(path).rsplit('_', 1)[-1].split('.')[0]
    return {'command': portable_text(m.get('command')), 'seed': m.get('seed'), 'source': m.get('source'),
            'split': split, 'indices': (m.get('indices') or {}).get(split)}

# ---------------------------------------------------------------- augmentation


def augment(x, gen):
    """Page-pipeline-like distortions of a batch [n,1,32,32] (background 1, ink 0): stroke width,
    rotation, shear, scale, aspect, shift, elastic noise, contrast and noise."""
    n = x.shape[0]
    ink = 1.0 - x

    def u(lo, hi, shape=(n,)):
        return lo + (hi - lo) * torch.rand(shape, generator=gen)

    # Stroke width: blend with a 3×3 dilation (thicker) or erosion (thinner) for sub-pixel widths.
    t = u(-0.6, 1.0).view(n, 1, 1, 1)
    dil = F.max_pool2d(ink, 3, 1, 1)
    ero = -F.max_pool2d(-ink, 3, 1, 1)
    ink = torch.where(t >= 0, ink + t * (dil - ink), ink + (-t) * (ero - ink))

    # Affine: output→input sampling grid in normalised coordinates.
    ang = u(-12, 12) * np.pi / 180
    shear = u(-0.18, 0.18)
    s = u(0.86, 1.12)
    asp = u(0.9, 1.1)
    sx, sy = s * asp, s / asp
    tx, ty = u(-0.16, 0.16), u(-0.16, 0.16)  # ±2.5 px
    cos, sin = torch.cos(ang), torch.sin(ang)
    a = torch.stack([
        torch.stack([cos / sx, (-sin + shear * cos) / sx, tx], 1),
        torch.stack([sin / sy, (cos + shear * sin) / sy, ty], 1)], 1)
    grid = F.affine_grid(a, (n, 1, 32, 32), align_corners=False)
    # Elastic noise: a smooth random displacement (5×5 control field, bilinear upsampling) on half the batch.
    field = torch.randn((n, 2, 5, 5), generator=gen) * 0.035
    field = field * (torch.rand((n, 1, 1, 1), generator=gen) < 0.5)
    grid = grid + F.interpolate(field, size=(32, 32), mode='bilinear', align_corners=True).permute(0, 2, 3, 1)
    ink = F.grid_sample(ink, grid, mode='bilinear', padding_mode='zeros', align_corners=False)

    # Contrast and sensor noise, like phone photos after normaliseGlyph.
    ink = ink * u(0.8, 1.1).view(n, 1, 1, 1)
    ink = ink + torch.randn(ink.shape, generator=gen) * u(0, 0.04).view(n, 1, 1, 1)
    return 1.0 - ink

# ---------------------------------------------------------------- models


ARCHS = {
    # conv widths per stage (each stage: convs at one resolution, then 2×2 max-pool), embedding size
    'compact': {'stages': [[16], [32, 32], [64, 64]], 'embed': 128, 'dropout': 0.2},
    'best': {'stages': [[32], [64, 64], [128, 128]], 'embed': 256, 'dropout': 0.3},
}


class GlyphCNN(nn.Module):
    """Input: raw Glyphdesk glyphs [n,1,32,32] (background 1, ink 0). Outputs logits [n,36] and the
    penultimate embedding [n,embed]. Normalisation lives inside so the ONNX input is the raw glyph."""

    def __init__(self, arch):
        super().__init__()
        spec = ARCHS[arch]
        layers, c_in = [], 1
        for stage in spec['stages']:
            for c_out in stage:
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
                c_in = c_out
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.embed = nn.Sequential(nn.Flatten(), nn.Dropout(spec['dropout']), nn.Linear(c_in * 4 * 4, spec['embed']),
                                   nn.BatchNorm1d(spec['embed']), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(spec['dropout']), nn.Linear(spec['embed'], len(CLASSES)))
        self.embed_dim = spec['embed']

    def forward(self, glyphs):
        ink = (1.0 - glyphs - 0.17) / 0.35  # ink ≈ 17% of pixels in NIST and synthetic glyphs
        e = self.embed(self.features(ink))
        return self.head(e), e


class Ensemble(nn.Module):
    """Several GlyphCNNs in one graph: logits averaged, embeddings concatenated."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.embed_dim = sum(m.embed_dim for m in members)

    def forward(self, glyphs):
        outs = [m(glyphs) for m in self.members]
        return torch.stack([o[0] for o in outs]).mean(0), torch.cat([o[1] for o in outs], 1)


def load_checkpoint(path):
    """A model saved by --checkpoint (one GlyphCNN) or by ensemble_cnn.py (several), in eval mode."""
    ck = torch.load(path)
    if 'members' in ck:
        model = Ensemble([GlyphCNN(m['arch']) for m in ck['members']])
        for member, m in zip(model.members, ck['members']):
            member.load_state_dict(m['state_dict'])
    else:
        model = GlyphCNN(ck['arch'])
        model.load_state_dict(ck['state_dict'])
    return model.eval()


def describe(model):
    return ' → '.join(str(m).split('(')[0] if not isinstance(m, (nn.Conv2d, nn.Linear)) else
                      (f'conv3×3 {m.in_channels}→{m.out_channels}' if isinstance(m, nn.Conv2d) else f'linear {m.in_features}→{m.out_features}')
                      for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.MaxPool2d, nn.BatchNorm2d, nn.BatchNorm1d, nn.ReLU, nn.Dropout)))

# ---------------------------------------------------------------- evaluation


@torch.no_grad()
def predict_logits(model, x, batch=512):
    model.eval()
    out = []
    for s in range(0, len(x), batch):
        out.append(model(torch.from_numpy(x[s:s + batch]).unsqueeze(1))[0].numpy())
    return np.concatenate(out) if out else np.zeros((0, len(CLASSES)), dtype=np.float32)


def predict(model, x, batch=512):
    return predict_logits(model, x, batch).argmax(1)


def score(y, pred):
    k = len(CLASSES)
    conf = np.zeros((k, k), dtype=np.int64)
    np.add.at(conf, (y, pred), 1)
    errors = int((y != pred).sum())
    idx = {c: i for i, c in enumerate(CLASSES)}
    pairs = {}
    look = 0
    for a, b in LOOKALIKES:
        ia, ib = idx[a], idx[b]
        pairs[f'{a}→{b}'] = int(conf[ia, ib])
        pairs[f'{b}→{a}'] = int(conf[ib, ia])
        look += int(conf[ia, ib] + conf[ib, ia])
    per_class = {c: (float(conf[i, i] / conf[i].sum()) if conf[i].sum() else None) for i, c in enumerate(CLASSES)}
    return {
        'n': int(len(y)), 'accuracy': float((y == pred).mean()) if len(y) else None, 'errors': errors,
        'lookalikeErrors': look, 'lookalikeShareOfErrors': (look / errors) if errors else 0.0,
        'lookalikePairs': pairs, 'perClass': per_class, 'confusion': conf.tolist(),
    }

# ---------------------------------------------------------------- main



def held_out_metrics(metrics, model, real_file=None, real_per_class=None, unseen_file=None, digits_file=None):
    """Adds the held-out scores a CNN card records, each naming its file: real letters past the first
    `real_per_class` per class (evalData), the unseen hands (unseen), held-out real digits (realDigits)."""
    if real_file:
        xr, yr, _ = read_glyph_file(real_file)
        _, rest = first_per_class(yr, real_per_class)
        metrics['evalData'] = score(yr[rest], predict(model, xr[rest]))
        metrics['evalData']['file'] = portable(real_file)
        metrics['evalData']['note'] = f'held out: all but the first {real_per_class} glyphs per class; 36-way prediction'
    if unseen_file:
        xu, yu, _ = read_glyph_file(unseen_file)
        metrics['unseen'] = score(yu, predict(model, xu))
        metrics['unseen']['file'] = portable(unseen_file)
    if digits_file:
        xe, ye, _ = read_glyph_file(digits_file)
        metrics['realDigits'] = digits_report(ye, predict_logits(model, xe))
        metrics['realDigits']['file'] = portable(digits_file)
        metrics['realDigits']['note'] = 'held-out real digits (never trained on); accuracy is 36-way, tenWay is the argmax over the 10 digit logits'
    metrics['syntheticDigitsPerClass'] = {c: metrics['test']['perClass'][c] for c in CLASSES[26:]}
    return metrics


def lattice_entry(directory, repeat, none_per_batch):
    """The card's record of a lattice-crops folder: its files by SHA-256 and the command that made it."""
    mf = os.path.join(directory, 'manifest.json')
    made = json.load(open(mf)) if os.path.exists(mf) else {}
    return {
        'dir': portable(directory), 'repeat': repeat, 'nonePerBatch': none_per_batch,
        'train': {'file': 'lattice_train.mat', 'sha256': sha256_file(os.path.join(directory, 'lattice_train.mat')), 'glyphs': made.get('labelled')},
        'none': {'file': 'lattice_none.mat', 'sha256': sha256_file(os.path.join(directory, 'lattice_none.mat')), 'glyphs': made.get('none')},
        'madeBy': {'command': portable_text(made.get('command')), 'pages': made.get('pages')},
    }


def onnx_manifest(name, onnx_bytes, embed_dim, card):
    """model.json of a Glyphdesk CNN exported to ONNX (src/shared/modelManifest.ts, format glyphdesk-onnx v1)."""
    return {
        'format': 'glyphdesk-onnx', 'formatVersion': 1, 'kind': 'cnn', 'name': name,
        'modelFile': 'model.onnx', 'modelBytes': len(onnx_bytes), 'modelSha256': hashlib.sha256(onnx_bytes).hexdigest(),
        'classes': CLASSES,
        'input': {'name': 'glyphs', 'size': 32, 'channels': 1, 'layout': 'NCHW', 'background': 1, 'ink': 0},
        'outputs': {'logits': 'logits', 'embedding': 'embedding'},
        'embeddingDim': embed_dim, 'opset': OPSET,
        'card': card,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--data', required=True, help='NIST36-layout glyph set directory (NAME_train/valid/test.mat)')
    p.add_argument('--real', help='extra real glyph file; its first --real-per-class glyphs per class are trained on')
    p.add_argument('--real-per-class', type=int, default=20)
    p.add_argument('--real-repeat', type=int, default=8, help='times the real training glyphs appear per epoch')
    p.add_argument('--real2', help='a second extra training file (e.g. mnist_train.mat of glyphdesk data import mnist); all of it is trained on')
    p.add_argument('--real2-repeat', type=int, default=1, help='times the --real2 glyphs appear per epoch')
    p.add_argument('--real2-eval', help='held-out file of the same source (e.g. mnist_test.mat), evaluation only: 36-way and 10-way')
    p.add_argument('--init', help='start from this --checkpoint (same arch) instead of random weights')
    p.add_argument('--unseen', help='an "unseen hand" .mat (glyphdesk data synth-eval), evaluation only')
    p.add_argument('--arch', choices=sorted(ARCHS), default='compact')
    p.add_argument('--epochs', type=int, default=12)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=1, help='1 is fastest on a shared 2-core machine')
    p.add_argument('--name', help='model name (default: basename of --out)')
    p.add_argument('--out', required=True, help='model directory: model.onnx + model.json')
    p.add_argument('--checkpoint', help='also save the PyTorch state dict here (for fixtures and benchmarks)')
    p.add_argument('--limit', type=int, default=0, help='use only this many synthetic training glyphs (smoke runs)')
    p.add_argument('--pieces', type=float, default=0.0,
                   help='share of each batch replaced by cut pieces of touching letters (training/neighbours.py)')
    p.add_argument('--pairs', type=int, default=0, help='touching pairs added to each batch, trained towards the uniform distribution')
    p.add_argument('--pieces-skip', default='', help='classes never made into cut pieces, e.g. IO01 (the look-alikes a fragment turns into each other)')
    p.add_argument('--bar-stubs', type=float, default=0.0,
                   help='share of the --bar-classes glyphs of each batch given a touching neighbour\'s stub, label kept (training/neighbours.py)')
    p.add_argument('--bar-classes', default='I1', help='the thin classes --bar-stubs applies to')
    p.add_argument('--broken', type=float, default=0.0, help='share of each batch with a band of ink erased, label kept (training/neighbours.py)')
    p.add_argument('--fragments', type=int, default=0, help='fragments of broken letters added to each batch, trained towards uniform (with the pairs)')
    p.add_argument('--pair-weight', type=float, default=0.5, help='weight of the pairs\' loss (outlier exposure)')
    p.add_argument('--lattice', help='a folder of glyphdesk data lattice-crops: the reading stage\'s own candidates on training pages; '
                   'lattice_train.mat joins the training glyphs, lattice_none.mat is drawn into each batch towards uniform')
    p.add_argument('--lattice-repeat', type=int, default=1, help='times the labelled lattice candidates appear per epoch')
    p.add_argument('--lattice-none', type=int, default=16, help='lattice candidates that are no single character added to each batch, trained towards uniform')
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    name = args.name or os.path.basename(os.path.normpath(args.out))
    t0 = time.time()

    xtr, ytr = read_split(args.data, 'train')
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]
    xva, yva = read_split(args.data, 'valid')
    xte, yte = read_split(args.data, 'test')
    real = None
    if args.real:
        xr, yr, real_classes = read_glyph_file(args.real)
        chosen, rest = first_per_class(yr, args.real_per_class)
        real = {'x_train': xr[chosen], 'y_train': yr[chosen], 'x_held': xr[rest], 'y_held': yr[rest], 'classes': real_classes}
        xtr = np.concatenate([xtr] + [real['x_train']] * args.real_repeat)
        ytr = np.concatenate([ytr] + [real['y_train']] * args.real_repeat)
    n_synth = len(xtr) - (0 if real is None else len(real['x_train']) * args.real_repeat)
    real2 = None
    if args.real2:
        x2, y2, _ = read_glyph_file(args.real2)
        real2 = {'n': len(x2)}
        xtr = np.concatenate([xtr] + [x2] * args.real2_repeat)
        ytr = np.concatenate([ytr] + [y2] * args.real2_repeat)
    lattice = None
    if args.lattice:
        xl, yl, _ = read_glyph_file(os.path.join(args.lattice, 'lattice_train.mat'))
        xn, _, _ = read_glyph_file(os.path.join(args.lattice, 'lattice_none.mat'))
        lattice = {'n': len(xl), 'none': torch.from_numpy(xn).unsqueeze(1)}
        xtr = np.concatenate([xtr] + [xl] * args.lattice_repeat)
        ytr = np.concatenate([ytr] + [yl] * args.lattice_repeat)
    print(f'train {len(xtr)} glyphs (real {0 if real is None else len(real["x_train"])}×{args.real_repeat}, '
          f'real2 {0 if real2 is None else real2["n"]}×{args.real2_repeat}, lattice {0 if lattice is None else lattice["n"]}×{args.lattice_repeat}), '
          f'valid {len(xva)}, test {len(xte)}', flush=True)

    model = GlyphCNN(args.arch)
    init = None
    if args.init:
        ck = torch.load(args.init)
        if ck.get('arch') != args.arch:
            raise SystemExit(f'--init {args.init} is a {ck.get("arch")} checkpoint, not {args.arch}')
        model.load_state_dict(ck['state_dict'])
        init = {'checkpoint': portable(args.init), 'sha256': sha256_file(args.init), 'commit': git_commit_of(args.init)}
    model = model.to(memory_format=torch.channels_last)  # ~2× faster convs on CPU
    params = sum(p.numel() for p in model.parameters())
    print(f'{args.arch}: {params} parameters', flush=True)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    # The bar stubs draw from their own stream, so a run with them differs from one without only in those glyphs.
    stub_gen = torch.Generator().manual_seed(args.seed + 7919)
    bar_classes = torch.tensor([CLASSES.index(c) for c in args.bar_classes])
    xtr_t, ytr_t = torch.from_numpy(xtr).unsqueeze(1), torch.from_numpy(ytr)
    curves = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        tl, tc, te = 0.0, 0, time.time()
        for s in range(0, len(xtr), args.batch):
            idx = order[s:s + args.batch]
            xb, yb = xtr_t[idx], ytr_t[idx]
            n_pairs = 0
            if args.pieces > 0 or args.pairs > 0 or args.broken > 0 or args.fragments > 0:
                eligible = None
                if args.pieces_skip:
                    eligible = ~torch.isin(yb, torch.tensor([CLASSES.index(c) for c in args.pieces_skip]))
                xb, pairs = neighbour_batch(xb, gen, args.pieces, args.pairs, eligible)
                if args.broken > 0 or args.fragments > 0:
                    xb, frags = broken_batch(xb, gen, args.broken, args.fragments, eligible)
                    pairs = torch.cat([pairs, frags])
                n_pairs = len(pairs)
                xb = torch.cat([xb, pairs])
            if args.bar_stubs > 0:
                xb = torch.cat([bar_stub_batch(xb[:len(yb)], stub_gen, args.bar_stubs, torch.isin(yb, bar_classes)), xb[len(yb):]])
            if lattice is not None and args.lattice_none > 0:
                j = torch.randint(len(lattice['none']), (args.lattice_none,), generator=gen)
                xb = torch.cat([xb, lattice['none'][j]])
                n_pairs += args.lattice_none
            xb = augment(xb, gen).contiguous(memory_format=torch.channels_last)
            logits, _ = model(xb)
            if n_pairs:
                loss = F.cross_entropy(logits[:len(yb)], yb, label_smoothing=0.05) + args.pair_weight * outlier_loss(logits[len(yb):])
                logits = logits[:len(yb)]
            else:
                loss = F.cross_entropy(logits, yb, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tl += float(loss) * len(idx)
            tc += int((logits.argmax(1) == yb).sum())
        va = float((predict(model, xva) == yva).mean())
        row = {'epoch': epoch, 'trainLoss': tl / len(xtr), 'trainAcc': tc / len(xtr), 'validAcc': va, 'seconds': time.time() - te}
        curves.append(row)
        print(json.dumps(row), flush=True)

    model = model.to(memory_format=torch.contiguous_format).eval()
    metrics = {'valid': score(yva, predict(model, xva)), 'test': score(yte, predict(model, xte))}
    for k in ('valid', 'test'):
        metrics[k] = {kk: metrics[k][kk] for kk in ('n', 'accuracy', 'errors', 'lookalikeErrors', 'lookalikeShareOfErrors', 'lookalikePairs', 'perClass')} | \
            ({'confusion': metrics[k]['confusion']} if k == 'test' else {})
    held_out_metrics(metrics, model, args.real, args.real_per_class, args.unseen, args.real2_eval)
    for k in ('valid', 'test', 'evalData', 'unseen', 'realDigits'):
        if k in metrics:
            m = metrics[k]
            print(f'{k}: {m["accuracy"]:.4f} of {m["n"]}, look-alike share of errors {m["lookalikeShareOfErrors"]:.2f} {m["lookalikePairs"]}', flush=True)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'model.onnx')
    torch.onnx.export(model, torch.ones(1, 1, 32, 32), onnx_path, input_names=['glyphs'], output_names=['logits', 'embedding'],
                      dynamic_axes={'glyphs': {0: 'n'}, 'logits': {0: 'n'}, 'embedding': {0: 'n'}}, opset_version=OPSET,
                      do_constant_folding=True)
    if args.checkpoint:
        os.makedirs(os.path.dirname(os.path.abspath(args.checkpoint)), exist_ok=True)
        torch.save({'arch': args.arch, 'state_dict': model.state_dict()}, args.checkpoint)
    onnx_bytes = open(onnx_path, 'rb').read()
    synth_manifest = os.path.join(args.data, 'manifest.json')
    made_by = None
    if os.path.exists(synth_manifest):
        mf = json.load(open(synth_manifest))
        made_by = {'command': portable_text(mf.get('command')), 'seed': mf.get('seed')}
    command = portable_command('train_cnn.py', sys.argv[1:])
    manifest = onnx_manifest(name, onnx_bytes, model.embed_dim, {
            'name': name, 'kind': 'cnn', 'created': datetime.datetime.now(datetime.timezone.utc).isoformat(),
            'architecture': f'{args.arch}: input normalised inside the model as (1 − x − 0.17)/0.35; ' + describe(model),
            'parameters': params, 'torch': torch.__version__, 'machine': machine(), 'code': code_version(), 'seed': args.seed, 'command': command,
            'config': {k: (portable(v) if isinstance(v, str) and os.path.isabs(v) else v) for k, v in vars(args).items() if k not in ('out', 'checkpoint')},
            'init': init,
            'data': {
                'dir': portable(args.data), 'madeBy': made_by, 'train': int(n_synth),
                'valid': int(len(xva)), 'test': int(len(xte)),
                'extraTrain': None if real is None else extra_train_entry(args.real, args.real_per_class, args.real_repeat, len(real['x_train'])),
                'extraTrainMore': [] if real2 is None else [dict(extra_train_entry(args.real2, 'all', args.real2_repeat, real2['n']), madeBy=source_manifest(args.real2))],
                'lattice': None if lattice is None else lattice_entry(args.lattice, args.lattice_repeat, args.lattice_none),
            },
            'augmentation': (f'touching letters (training/neighbours.py): {args.pieces:.0%} of each batch cut pieces with a neighbour\'s fragment, '
                             f'(not of {args.pieces_skip or "—"}), {args.pairs} touching pairs per batch trained towards uniform (weight {args.pair_weight}); '
                             if args.pieces > 0 or args.pairs > 0 else '') +
                            (f'the reading stage\'s own candidates on training pages (--lattice): labelled ones ×{args.lattice_repeat} in the data, '
                             f'{args.lattice_none} per batch that are no single character trained towards uniform; ' if args.lattice else '') +
                            (f'broken letters: {args.broken:.0%} of each batch with a 2–4 px band erased (label kept), {args.fragments} fragments '
                             'per batch (one side of such a band) trained towards uniform with the pairs; ' if args.broken > 0 or args.fragments > 0 else '') +
                            (f'thin letters with a neighbour\'s stub: {args.bar_stubs:.0%} of the {args.bar_classes} glyphs of each batch cut out of a touching '
                             'pair 10–45% of the neighbour\'s width inside it, label kept; ' if args.bar_stubs > 0 else '') +
                            'per batch: stroke width (blend with 3×3 dilation/erosion, −0.6…1), rotation ±12°, shear ±0.18, '
                            'scale 0.86–1.12, aspect 0.9–1.1, shift ±2.5 px, elastic 5×5 field σ 0.035 on half, contrast 0.8–1.1, noise σ ≤ 0.04',
            'curves': curves, 'metrics': metrics, 'trainingSeconds': round(time.time() - t0, 1),
        })
    with open(os.path.join(args.out, 'model.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'wrote {onnx_path} ({len(onnx_bytes)} bytes) and model.json in {time.time() - t0:.0f} s', flush=True)


if __name__ == '__main__':
    main()
