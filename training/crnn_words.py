# A feasibility measurement for issue 12, not a shipped model: can a sequence reader — a CRNN over a word's
# image trained with CTC — read words whose letters touch and overlap better than the segment-then-classify
# reading does? Words are cropped with their ground-truth boxes (which favours this reader: the app has to find
# and split words itself). Trained only on training pages (`glyphdesk data pages --glyphs training`), read once
# on evaluation pages. docs/BENCHMARKS.md ("A sequence reader for touching words: a feasibility measurement")
# has the result.
#   /usr/bin/python3 training/crnn_words.py prep --train DIR [DIR …] --eval DIR [DIR …] --work WORK
#   /usr/bin/python3 training/crnn_words.py train --work WORK [--budget 2400] [--seed 1234]
#   /usr/bin/python3 training/crnn_words.py eval --work WORK [--checkpoint WORK/best.pt]
# prep writes WORK/train.npz (every non-photo page of the training folders) and WORK/eval.npz (the touching and
# clean pages of the evaluation folders); train holds out a tenth of the training pages (by the seed) for its
# own validation and keeps the checkpoint that reads them best; eval prints CER per condition and folder.
import argparse
import json
import os
import random
import time

import cv2
import numpy as np
import torch
import torch.nn as nn

ALPH = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
C2I = {c: i + 1 for i, c in enumerate(ALPH)}  # 0 is CTC's blank
H, WMAX = 32, 256


def cbr(i, o, k=3, p=1):
    return [nn.Conv2d(i, o, k, padding=p, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


class CRNN(nn.Module):
    """Six conv layers take a 32-px-high word to height 1 and a quarter of its width; a BiLSTM reads the columns."""

    def __init__(self, ch=(32, 64, 128, 192), hid=128):
        super().__init__()
        a, b, c, d = ch
        self.cnn = nn.Sequential(*cbr(1, a), nn.MaxPool2d(2),
                                 *cbr(a, b), nn.MaxPool2d(2),
                                 *cbr(b, c), *cbr(c, c), nn.MaxPool2d((2, 1)),
                                 *cbr(c, d), nn.MaxPool2d((2, 1)),
                                 *cbr(d, d, k=(2, 1), p=0))
        self.rnn = nn.LSTM(d, hid, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * hid, len(ALPH) + 1)

    def forward(self, x):  # x: B,1,32,W
        f = self.cnn(x).squeeze(2).permute(0, 2, 1)  # B,T,C
        f, _ = self.rnn(f)
        return self.fc(f)  # B,T,37


def greedy(logits):
    out = []
    for r in logits.argmax(-1).cpu().numpy():
        s, prev = [], 0
        for k in r:
            if k != prev and k != 0:
                s.append(ALPH[k - 1])
            prev = k
        out.append(''.join(s))
    return out


def edit(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        p, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            p, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, p + (a[i - 1] != b[j - 1]))
    return d[len(b)]


def predict(model, X, W, bs=128):
    model.eval()
    order = np.argsort(W)
    res = [None] * len(W)
    with torch.no_grad():
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            mw = (int(W[idx].max()) + 3) // 4 * 4
            x = torch.from_numpy(X[idx, :, :mw].astype(np.float32)).unsqueeze(1)
            for j, s in zip(idx, greedy(model(x))):
                res[j] = s
    return res


def cer(pred, true):
    return sum(edit(p, t) for p, t in zip(pred, true)) / sum(len(t) for t in true)


# --- prep: word crops from a page set's manifest ---

def words_of_page(p):
    """(word, its character entries) in reading order; `chars` lists the non-space characters of `lines`."""
    out, ci = [], 0
    for line in p['lines']:
        for w in line.split(' '):
            if not w:
                continue
            cs = p['chars'][ci:ci + len(w)]
            ci += len(w)
            if ''.join(c[0] for c in cs) != w:
                raise ValueError(f"{p['file']}: characters do not spell {w}")
            out.append((w, cs))
    if ci != len(p['chars']):
        raise ValueError(f"{p['file']}: {len(p['chars'])} characters, lines hold {ci}")
    return out


def crop(img, cs, cap):
    """The union of the characters' boxes plus 0.1 cap height, 32 px high (at most 256 wide), ink 1, paper 0."""
    m = 0.1 * cap
    x0 = max(0, int(round(min(c[1] for c in cs) - m)))
    y0 = max(0, int(round(min(c[2] for c in cs) - m)))
    x1 = min(img.shape[1], int(round(max(c[3] for c in cs) + m)))
    y1 = min(img.shape[0], int(round(max(c[4] for c in cs) + m)))
    g = img[y0:y1, x0:x1].astype(np.float32) / 255.0
    w = max(1, min(WMAX, int(round(g.shape[1] * H / g.shape[0]))))
    return 1.0 - cv2.resize(g, (w, H), interpolation=cv2.INTER_AREA)


def overlaps(cs):
    """Whether two characters of the word overlap side by side (their x-ranges intersect)."""
    return any(min(a[3], b[3]) > max(a[1], b[1]) for i, a in enumerate(cs) for b in cs[i + 1:])


def build(folders, conds, out):
    imgs, widths, labels, meta = [], [], [], []
    for d in folders:
        m = json.load(open(os.path.join(d, 'manifest.json')))
        for p in m['pages']:
            # Phone photos (a `sheet`) are skipped: their boxes are not upright page rectangles.
            if 'sheet' in p or (conds and p['condition'] not in conds) or not p['chars']:
                continue
            img = cv2.imread(os.path.join(d, p['file']), 0)
            for w, cs in words_of_page(p):
                g = crop(img, cs, p['capHeight'])
                a = np.zeros((H, WMAX), np.float32)
                a[:, :g.shape[1]] = g
                imgs.append(a)
                widths.append(g.shape[1])
                labels.append(w)
                meta.append((os.path.basename(d.rstrip('/')), p['file'], p['condition'], int(overlaps(cs))))
    np.savez_compressed(out, X=np.stack(imgs).astype(np.float16), W=np.array(widths), Y=np.array(labels),
                        M=np.array(meta))
    print(out, len(labels), 'words', sum(map(len, labels)), 'characters')


# --- train ---

def augment(img, w):
    g = img[:, :w].astype(np.float32)
    if random.random() < 0.8:  # x-scale, shear, ±3° rotation, a little shift
        sx, sh = random.uniform(0.85, 1.15), random.uniform(-0.2, 0.2)
        ang, sy = np.deg2rad(random.uniform(-3, 3)), random.uniform(0.9, 1.05)
        nw = min(WMAX, max(8, int(round(w * sx))))
        A = np.array([[np.cos(ang) * nw / w, -np.sin(ang) + sh, 0], [np.sin(ang), np.cos(ang) * sy, 0]], np.float32)
        c_in, c_out = np.array([w / 2, 16]), np.array([nw / 2, 16]) + np.random.uniform(-1.5, 1.5, 2)
        A[:, 2] = c_out - A[:, :2] @ c_in
        g = cv2.warpAffine(g, A, (nw, H), flags=cv2.INTER_LINEAR, borderValue=0)
    r = random.random()
    if r < 0.2:
        g = cv2.dilate(g, np.ones((2, 2), np.uint8))
    elif r < 0.4:
        g = cv2.erode(g, np.ones((2, 2), np.uint8))
    if random.random() < 0.5:
        g = g * random.uniform(0.6, 1.0) + random.uniform(0, 0.15)
        g = g + np.random.normal(0, random.uniform(0, 0.06), g.shape)
    return np.clip(g, 0, 1), g.shape[1]


def train(work, budget, seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    d = np.load(os.path.join(work, 'train.npz'))
    X, W, Y, M = d['X'], d['W'], d['Y'], d['M']
    # A tenth of the training pages, chosen by the seed, for this script's own choice of checkpoint.
    pages = sorted(set((m[0], m[1]) for m in M))
    rs = np.random.RandomState(seed)
    val_pages = set(pages[i] for i in rs.choice(len(pages), len(pages) // 10, replace=False))
    isval = np.array([(m[0], m[1]) in val_pages for m in M])
    tr, va = np.where(~isval)[0], np.where(isval)[0]
    print('train words', len(tr), 'validation words', len(va), flush=True)
    Xv, Wv, Yv = X[va].astype(np.float32), W[va], list(Y[va])
    model = CRNN()
    nparam = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    bs, t0, best, ep, log = 64, time.time(), 9.0, 0, []
    while True:
        ep += 1
        model.train()
        perm = np.random.permutation(tr)
        # Batches of similar widths (less padding): sorted within chunks of 50 batches, then shuffled.
        batches = []
        for c in [perm[i:i + bs * 50] for i in range(0, len(perm), bs * 50)]:
            c = c[np.argsort(W[c])]
            batches += [c[i:i + bs] for i in range(0, len(c), bs)]
        random.shuffle(batches)
        frac = min(1.0, (time.time() - t0) / budget)
        for g in opt.param_groups:  # cosine over the time budget, down to 5%
            g['lr'] = 1e-3 * (0.5 * (1 + np.cos(np.pi * frac)) * 0.95 + 0.05)
        tl = 0.0
        for b in batches:
            ims = [augment(X[i], W[i]) for i in b]
            mw = (max(w for _, w in ims) + 3) // 4 * 4
            x = np.zeros((len(b), 1, H, mw), np.float32)
            for k, (g, w) in enumerate(ims):
                x[k, 0, :, :w] = g
            tg = [C2I[c] for i in b for c in Y[i]]
            out = model(torch.from_numpy(x)).log_softmax(-1).permute(1, 0, 2)  # T,B,C
            loss = ctc(out, torch.tensor(tg), torch.full((len(b),), out.shape[0], dtype=torch.long),
                       torch.tensor([len(Y[i]) for i in b]))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5)
            opt.step()
            tl += loss.item()
        pv = predict(model, Xv, Wv)
        vc = cer(pv, Yv)
        el = time.time() - t0
        log.append(dict(epoch=ep, loss=tl / len(batches), val_cer=vc,
                        val_word_acc=float(np.mean([p == t for p, t in zip(pv, Yv)])), seconds=el))
        print(json.dumps(log[-1]), flush=True)
        if vc < best:
            best = vc
            torch.save(model.state_dict(), os.path.join(work, 'best.pt'))
        if el > budget:
            break
    json.dump(dict(seed=seed, budget=budget, params=nparam, log=log, best_val_cer=best, n_train=len(tr),
                   n_val=len(va)), open(os.path.join(work, 'trainlog.json'), 'w'), indent=1)


# --- eval ---

def evaluate(work, checkpoint):
    torch.set_num_threads(2)
    m = CRNN()
    m.load_state_dict(torch.load(checkpoint))
    d = np.load(os.path.join(work, 'eval.npz'))
    X, W, Y, M = d['X'], d['W'], list(d['Y']), d['M']
    P = predict(m, X, W)
    res = {}

    def rep(name, idx):
        if not idx:
            return
        e = sum(edit(P[i], Y[i]) for i in idx)
        n = sum(len(Y[i]) for i in idx)
        wa = float(np.mean([P[i] == Y[i] for i in idx]))
        res[name] = dict(words=len(idx), chars=n, edits=e, cer=e / n, word_acc=wa)
        print(f'{name:36s} words {len(idx):4d} chars {n:5d} edits {e:4d} CER {100 * e / n:5.2f}%  words right {100 * wa:5.1f}%')

    for cond in sorted(set(M[:, 2])):
        ci = [i for i in range(len(Y)) if M[i][2] == cond]
        rep(f'{cond}, all', ci)
        for s in sorted(set(M[:, 0])):
            rep(f'{cond}, {s}', [i for i in ci if M[i][0] == s])
        rep(f'{cond}, words with overlapping letters', [i for i in ci if M[i][3] == '1'])
    print('misread (first 20):')
    for i in [i for i in range(len(Y)) if P[i] != Y[i]][:20]:
        print(f'  {Y[i]:10s} read {P[i]:10s} {M[i][0]}/{M[i][1]}')
    json.dump(dict(checkpoint=os.path.basename(checkpoint), results=res,
                   reads=[(Y[i], P[i], *M[i]) for i in range(len(Y))]),
              open(os.path.join(work, 'eval_results.json'), 'w'), indent=1)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='CRNN word reader: a feasibility measurement (issue 12)')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('prep')
    p.add_argument('--train', nargs='+', required=True, help='training page folders (data pages --glyphs training)')
    p.add_argument('--eval', nargs='+', required=True, help='evaluation page folders (data pages)')
    p.add_argument('--conditions', nargs='+', default=['touching', 'clean'], help='evaluation conditions')
    p.add_argument('--work', required=True)
    t = sub.add_parser('train')
    t.add_argument('--work', required=True)
    t.add_argument('--budget', type=float, default=2400, help='seconds; the last epoch starts before they run out')
    t.add_argument('--seed', type=int, default=1234)
    e = sub.add_parser('eval')
    e.add_argument('--work', required=True)
    e.add_argument('--checkpoint')
    a = ap.parse_args()
    if a.cmd == 'prep':
        os.makedirs(a.work, exist_ok=True)
        build(a.train, None, os.path.join(a.work, 'train.npz'))
        build(a.eval, a.conditions, os.path.join(a.work, 'eval.npz'))
    elif a.cmd == 'train':
        train(a.work, a.budget, a.seed)
    else:
        evaluate(a.work, a.checkpoint or os.path.join(a.work, 'best.pt'))
