#!/usr/bin/python3
"""Phone photos framed tightly, the way people take them: the sheet runs off the frame on one or more sides.

For every phone photo of a `glyphdesk data pages` folder (SRC, its manifest.json gives the sheet's corners and every
character's box), writes into OUT one photo per crop, NAME-CROP.jpg, with a copy of the ground truth beside it:
  left, right, top, bottom   the frame cut half way between the outermost corner on that side of the sheet and
                             the writing, so the sheet runs off the frame there (along part or all of that side)
                             and the desk shows on the other three sides
  corner                     the left and top cuts together (desk on two sides)
  strip                      left, right and top together: only a strip of desk below the sheet
No character is cut (each cut lies outside every character's box). JPEG quality 92.
Needs Debian's python3-opencv (scripts/install-python-opencv.sh; run with /usr/bin/python3).
  /usr/bin/python3 bench/sheet_crops.py OUT SRC [SRC ...]
  node bin/glyphdesk.mjs eval-pages OUT
"""
import json
import os
import shutil
import sys

import cv2


def cuts(page):
    q = page["sheet"]
    chars = page["chars"]
    ink_l = min(c[1] for c in chars)
    ink_t = min(c[2] for c in chars)
    ink_r = max(c[3] for c in chars)
    ink_b = max(c[4] for c in chars)
    # The sheet's outermost point on each side (a corner; the sheet is turned by up to 10 degrees), then half way
    # from it to the writing: the frame cuts the sheet there and never the writing.
    side_l = min(q[0][0], q[3][0])
    side_r = max(q[1][0], q[2][0])
    side_t = min(q[0][1], q[1][1])
    side_b = max(q[2][1], q[3][1])
    return {
        "l": int(round((side_l + ink_l) / 2)),
        "r": int(round((side_r + ink_r) / 2)),
        "t": int(round((side_t + ink_t) / 2)),
        "b": int(round((side_b + ink_b) / 2)),
    }


CROPS = {
    "left": "l",
    "right": "r",
    "top": "t",
    "bottom": "b",
    "corner": "lt",
    "strip": "lrt",
}


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: /usr/bin/python3 bench/sheet_crops.py OUT SRC [SRC ...]")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for src in sys.argv[2:]:
        manifest = json.load(open(os.path.join(src, "manifest.json")))
        tag = os.path.basename(os.path.normpath(src))
        for page in manifest["pages"]:
            if not page.get("sheet") or not page.get("chars"):
                continue
            img = cv2.imread(os.path.join(src, page["file"]))
            h, w = img.shape[:2]
            c = cuts(page)
            stem = os.path.splitext(page["file"])[0]
            for name, sides in CROPS.items():
                x0 = c["l"] if "l" in sides else 0
                x1 = c["r"] if "r" in sides else w
                y0 = c["t"] if "t" in sides else 0
                y1 = c["b"] if "b" in sides else h
                if x1 - x0 < 64 or y1 - y0 < 64:
                    continue
                base = f"{tag}-{stem}-{name}"
                cv2.imwrite(os.path.join(out, base + ".jpg"), img[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 92])
                shutil.copy(os.path.join(src, stem + ".txt"), os.path.join(out, base + ".txt"))


if __name__ == "__main__":
    main()
