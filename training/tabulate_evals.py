#!/usr/bin/python3
# Turns `glyphdesk eval --json` outputs into the markdown tables of docs/MODELS.md ("Real digits"):
# per digit and per letter, 36-way and (for digit-only sets) 10-way, and both directions of each
# look-alike pair. Usage:
#   /usr/bin/python3 training/tabulate_evals.py LABEL=PREFIX ...
# where PREFIX.digits.json, PREFIX.letters.json, PREFIX.synth.json and PREFIX.unseen.json are
#   npx glyphdesk eval --model M --data DIGITS_DIR --split test --json        (held-out real digits)
#   npx glyphdesk eval --model M --data nist26_valid_dev.mat --json          (real letters; trained-on left out)
#   npx glyphdesk eval --model M --data SYNTH_DIR --split test --json
#   npx glyphdesk eval --model M --data unseen.mat --json
# and, when present, PREFIX.letterstest.json (the real letters' test part, never trained or selected on):
#   npx glyphdesk eval --model M --data ../data/nist26-split --split test --json   (training/split_real.py)
import json
import os
import sys

DIGITS = list('0123456789')
LETTERS = [chr(65 + i) for i in range(26)]
CLASSES = LETTERS + DIGITS
PAIRS = [('O', '0'), ('I', '1'), ('Z', '2'), ('S', '5'), ('G', '6'), ('B', '8')]


def load(prefix, what):
    path = f'{prefix}.{what}.json'
    return json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else None


def pct(v, d=1):
    return '—' if v is None else f'{v * 100:.{d}f}'


def conf(r, a, b):
    return r['confusion'][CLASSES.index(a)][CLASSES.index(b)]


def main():
    runs = [a.split('=', 1) for a in sys.argv[1:]]
    data = [(label, {w: load(p, w) for w in ('digits', 'letters', 'letterstest', 'synth', 'unseen')}) for label, p in runs]

    print('| model | real digits 36-way | 10-way | real letters held out | real letters test | synthetic test | unseen hands | unseen 0 | unseen 1 |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for label, d in data:
        g = lambda w: d[w]['accuracy'] if d[w] else None  # noqa: E731
        u = d['unseen']
        print(f"| {label} | {pct(g('digits'), 2)} ({d['digits']['n'] if d['digits'] else '—'}) | {pct(d['digits']['tenWay']['accuracy'], 2) if d['digits'] else '—'} | "
              f"{pct(g('letters'), 2)} ({d['letters']['n'] if d['letters'] else '—'}) | {pct(g('letterstest'), 2)} ({d['letterstest']['n'] if d['letterstest'] else '—'}) | {pct(g('synth'), 2)} | {pct(g('unseen'), 2)} | "
              f"{pct(u['perClass']['0']) if u else '—'} | {pct(u['perClass']['1']) if u else '—'} |")

    print('\nHeld-out real digits, per digit: 36-way / 10-way (%)\n')
    print('| model | ' + ' | '.join(DIGITS) + ' | worst |')
    print('|---|' + '---:|' * 11)
    for label, d in data:
        r = d['digits']
        if not r:
            continue
        cells = [f"{pct(r['perClass'][c])} / {pct(r['tenWay']['perClass'][c])}" for c in DIGITS]
        worst = min(DIGITS, key=lambda c: r['perClass'][c])
        print(f'| {label} | ' + ' | '.join(cells) + f" | {worst} {pct(r['perClass'][worst])} |")

    print('\nReal letters held out, per letter (%), 36-way\n')
    print('| model | ' + ' | '.join(LETTERS) + ' |')
    print('|---|' + '---:|' * 26)
    for label, d in data:
        r = d['letters']
        if r:
            print(f'| {label} | ' + ' | '.join(pct(r['perClass'][c], 0) for c in LETTERS) + ' |')

    print('\nUnseen hands per digit (%), 36-way\n')
    print('| model | ' + ' | '.join(DIGITS) + ' | letters mean |')
    print('|---|' + '---:|' * 11)
    for label, d in data:
        r = d['unseen']
        if r:
            lm = sum(r['perClass'][c] for c in LETTERS) / 26
            print(f'| {label} | ' + ' | '.join(pct(r['perClass'][c], 0) for c in DIGITS) + f' | {pct(lm)} |')

    print('\nLook-alikes on real data, both directions (count): digit→letter on held-out real digits, letter→digit on held-out real letters\n')
    print('| model | ' + ' | '.join(f'{b}→{a} | {a}→{b}' for a, b in PAIRS) + ' |')
    print('|---|' + '---:|' * 12)
    for label, d in data:
        dr, lr = d['digits'], d['letters']
        if not (dr and lr):
            continue
        cells = []
        for a, b in PAIRS:
            cells += [str(conf(dr, b, a)), str(conf(lr, a, b))]
        print(f'| {label} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
