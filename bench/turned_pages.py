#!/usr/bin/python3
"""Pages lying sideways and upside down, for `glyphdesk eval-pages`: every page image of the SRC folders that has
its text beside it (NAME.txt) is written to OUT turned clockwise by 90, 180 and 270 degrees, as
SRCNAME-NAME-r90.png (lossless: the pixels only move), with the same text. Deterministic.

    /usr/bin/python3 bench/turned_pages.py OUT SRC [SRC ...]
"""
import os
import shutil
import sys

import cv2

TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, srcs = argv[1], argv[2:]
    os.makedirs(out, exist_ok=True)
    n = 0
    for src in srcs:
        tag = os.path.basename(os.path.normpath(src))
        for f in sorted(os.listdir(src)):
            stem, ext = os.path.splitext(f)
            txt = os.path.join(src, stem + '.txt')
            if ext.lower() not in ('.png', '.jpg', '.jpeg') or not os.path.exists(txt):
                continue
            img = cv2.imread(os.path.join(src, f), cv2.IMREAD_UNCHANGED)
            if img is None:
                raise SystemExit(f'{src}/{f}: cannot be read')
            for deg, code in TURNS.items():
                name = f'{tag}-{stem}-r{deg}'
                cv2.imwrite(os.path.join(out, name + '.png'), cv2.rotate(img, code))
                shutil.copyfile(txt, os.path.join(out, name + '.txt'))
                n += 1
    print(f'{n} turned pages in {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
