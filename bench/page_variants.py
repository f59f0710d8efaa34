#!/usr/bin/python3
"""Variants of page images the way a person's pages differ from the samples, for `glyphdesk eval-pages`.

For every IMAGE.jpg/png with a same-name .txt in SRC (default resources/samples), writes into OUT one image per
variant, NAME-VARIANT.png, with a copy of the ground truth beside it:
  lowcontrast, faint120, faint150, faint180, dim90  gray levels squeezed into [lo, hi] (light pencil, faded scans)
  rotr4, rotr8, rotr-8                              turned by that many degrees, edges replicated
  half, third                                       shrunk with INTER_AREA (a photo from afar, a low-resolution scan)
  double                                            enlarged 2x (bicubic)
  jpeg15                                            JPEG at quality 15
  blueink                                           blue ink on yellowish paper
  gradient                                          light falling off to 45% across the page
  grid                                              light blue graph-paper lines every 28 px
  blur2, blur3, motion9                             defocus (Gaussian sigma 2, 3) and a 9-px horizontal motion blur
  shadow                                            a hard-edged shadow over the lower-right half at 55% light
  noise12                                           sensor noise, sigma 12
  inverted                                          white on black
Deterministic (noise seeded). Needs Debian's python3-opencv and python3-numpy (scripts/install-python-opencv.sh; run
with /usr/bin/python3).
  /usr/bin/python3 bench/page_variants.py OUT [SRC]
  node bin/glyphdesk.mjs eval-pages OUT
"""
import glob
import os
import shutil
import sys

import cv2
import numpy as np


def variants(im, rng):
    g = cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)
    h, w = g.shape
    f = im.astype(np.float32)
    out = {}
    for tag, lo, hi in (('lowcontrast', 150, 230), ('faint120', 120, 230), ('faint150', 150, 230), ('faint180', 180, 235), ('dim90', 90, 200)):
        out[tag] = (lo + (g.astype(np.float32) / 255) * (hi - lo)).astype(np.uint8)
    for ang in (4, 8, -8):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
        out[f'rotr{ang}'] = cv2.warpAffine(im, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    out['half'] = cv2.resize(im, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    out['third'] = cv2.resize(im, (w // 3, h // 3), interpolation=cv2.INTER_AREA)
    out['double'] = cv2.resize(im, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC)
    out['jpeg15'] = cv2.imdecode(cv2.imencode('.jpg', im, [cv2.IMWRITE_JPEG_QUALITY, 15])[1], cv2.IMREAD_COLOR)
    ink = (255 - g).astype(np.float32) / 255
    out['blueink'] = np.stack([(1 - ink) * 170 + ink * 140, (1 - ink) * 235 + ink * 60, (1 - ink) * 245 + ink * 20], -1).astype(np.uint8)
    out['gradient'] = (f * np.linspace(0.45, 1.0, w)[None, :, None]).astype(np.uint8)
    grid = f.copy()
    for x in range(10, w, 28):
        grid[:, x:x + 1] *= np.array([1.0, 0.85, 0.7], np.float32)
    for y in range(10, h, 28):
        grid[y:y + 1, :] *= np.array([1.0, 0.85, 0.7], np.float32)
    out['grid'] = grid.clip(0, 255).astype(np.uint8)
    out['blur2'] = cv2.GaussianBlur(f, (0, 0), 2.0).clip(0, 255).astype(np.uint8)
    out['blur3'] = cv2.GaussianBlur(f, (0, 0), 3.0).clip(0, 255).astype(np.uint8)
    k = np.zeros((9, 9), np.float32)
    k[4, :] = 1 / 9
    out['motion9'] = cv2.filter2D(f, -1, k).clip(0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    shade = ((xx / w + yy / h) > 1.0)[..., None]
    out['shadow'] = (f * np.where(shade, 0.55, 1.0)).clip(0, 255).astype(np.uint8)
    out['noise12'] = (f + rng.normal(0, 12, f.shape)).clip(0, 255).astype(np.uint8)
    out['inverted'] = 255 - im
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    dst = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) > 2 else 'resources/samples'
    os.makedirs(dst, exist_ok=True)
    rng = np.random.default_rng(3)
    n = 0
    for path in sorted(glob.glob(os.path.join(src, '*.jpg')) + glob.glob(os.path.join(src, '*.png'))):
        name = os.path.splitext(os.path.basename(path))[0]
        truth = os.path.join(src, name + '.txt')
        if not os.path.exists(truth):
            continue
        for tag, img in variants(cv2.imread(path), rng).items():
            cv2.imwrite(os.path.join(dst, f'{name}-{tag}.png'), img)
            shutil.copy(truth, os.path.join(dst, f'{name}-{tag}.txt'))
            n += 1
    print(f'wrote {n} page images to {dst}')


if __name__ == '__main__':
    main()
