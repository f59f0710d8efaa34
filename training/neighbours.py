# Touching-letter training material for the CNNs (issue 12): what the reading stage's lattice
# (src/main/read/lattice.ts) shows the classifier on a line of touching letters, made from ordinary
# training glyphs so that no evaluation material is needed.
#  - cut piece: glyph A with a neighbour B drawn touching or overlapping it on one side (or both), cut
#    apart along a slightly slanted line somewhere in the overlap, A's side kept: A, maybe missing a
#    sliver of its own edge, plus a fragment of B's stroke. Labelled A. The lattice frames a piece by
#    its own ink box, so the piece is framed again (longer side 26 px, box-centred, as normaliseGlyph).
#  - pair: A and B touching, not cut, framed together: the whole-box candidate of a touching pair.
#    It is no single character, so it is trained towards the uniform distribution (outlier exposure),
#    which makes the lattice's one-wide-box reading of two letters unlikely against the cut reading.
# Glyphs are [n,1,32,32] tensors, background 1, ink 0, as everywhere in training/.
import torch
import torch.nn.functional as F

SIDE = 32
LONGER = 26
INK = 0.3  # ink-box threshold on ink amount (normaliseGlyph's box is of stretched pixels below 0.5)


def ink_box(ink):
    """(y0, y1, x0, x1) inclusive of a [H,W] ink tensor, or None when it has no ink."""
    on = ink > INK
    rows = on.any(1).nonzero()
    if rows.numel() == 0:
        return None
    cols = on.any(0).nonzero()
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def frame(ink):
    """Ink [H,W] → [32,32] ink: the ink box, longer side 26 px, aspect kept, box-centred."""
    box = ink_box(ink)
    out = torch.zeros(SIDE, SIDE)
    if box is None:
        return out
    y0, y1, x0, x1 = box
    crop = ink[y0:y1 + 1, x0:x1 + 1]
    h, w = crop.shape
    s = LONGER / max(h, w)
    nh, nw = max(1, min(SIDE, round(h * s))), max(1, min(SIDE, round(w * s)))
    if s < 1:
        r = F.adaptive_avg_pool2d(crop[None, None], (nh, nw))[0, 0]
    else:
        r = F.interpolate(crop[None, None], size=(nh, nw), mode='bilinear', align_corners=False)[0, 0]
    oy, ox = (SIDE - nh) // 2, (SIDE - nw) // 2
    out[oy:oy + nh, ox:ox + nw] = r.clamp(0, 1)
    return out


def _place(canvas, ink, col):
    """Adds a 32×32 ink glyph onto a [32,W] canvas at column `col` (max of the two), clipped."""
    w = canvas.shape[1]
    a0, a1 = max(0, col), min(w, col + SIDE)
    if a1 > a0:
        canvas[:, a0:a1] = torch.maximum(canvas[:, a0:a1], ink[:, a0 - col:a1 - col])


def compose(a, b, side, overlap, cut, slope):
    """A (32×32 ink) at the centre of a 32×96 canvas, B touching it on `side` (+1 right, −1 left) with
    its ink overlapping A's ink box by `overlap` px (negative: a gap). With `cut` in [0,1] the canvas is
    cut along a line through the overlap (0: at B's edge, 1: at A's edge) tilted by `slope` px per row,
    and only A's side is kept; with cut None both are kept (a pair). Returns the [32,96] ink canvas."""
    ba, bb = ink_box(a), ink_box(b)
    canvas = torch.zeros(SIDE, 3 * SIDE)
    _place(canvas, a, SIDE)
    if ba is None or bb is None:
        return canvas
    _, _, ax0, ax1 = ba
    _, _, bx0, bx1 = bb
    if side > 0:
        col = SIDE + ax1 - overlap - bx0  # B's left ink edge `overlap` px inside A's right edge
    else:
        col = SIDE + ax0 + overlap - bx1
    _place(canvas, b, col)
    if cut is None:
        return canvas
    # The cut line: between B's edge (inside A) and A's edge; keep the columns on A's side of it.
    if side > 0:
        b_edge, a_edge = SIDE + ax1 - overlap, SIDE + ax1
    else:
        b_edge, a_edge = SIDE + ax0 + overlap, SIDE + ax0
    xc = b_edge + cut * (a_edge - b_edge)
    ys = torch.arange(SIDE, dtype=torch.float32).view(SIDE, 1) - SIDE / 2
    xs = torch.arange(3 * SIDE, dtype=torch.float32).view(1, 3 * SIDE)
    line = xc + slope * ys
    keep = xs < line if side > 0 else xs > line
    return canvas * keep


def neighbour_batch(x, gen, p_piece, n_pairs, eligible=None):
    """Replaces a share `p_piece` of a batch [n,1,32,32] by cut pieces (label kept; only where `eligible`,
    a bool [n], allows) and returns (x', pairs) where pairs is [n_pairs,1,32,32] of touching pairs from
    random members of the batch."""
    n = x.shape[0]
    ink = 1.0 - x[:, 0]
    out = x.clone()

    def u(lo, hi):
        return lo + (hi - lo) * float(torch.rand((), generator=gen))

    def partner(i):
        j = int(torch.randint(0, n - 1, (), generator=gen))
        return j + 1 if j >= i else j

    if n > 1 and p_piece > 0:
        pick = torch.rand(n, generator=gen) < p_piece
        if eligible is not None:
            pick &= eligible
        chosen = pick.nonzero().flatten().tolist()
        for i in chosen:
            a = ink[i]
            sides = [1 if torch.rand((), generator=gen) < 0.5 else -1]
            if torch.rand((), generator=gen) < 0.3:
                sides.append(-sides[0])  # neighbours on both sides
            piece = a
            for side in sides:
                b = ink[partner(i)]
                ba, bb = ink_box(piece), ink_box(b)
                if ba is None or bb is None:
                    continue
                width = min(ba[3] - ba[2], bb[3] - bb[2]) + 1
                overlap = round(u(0.0, 0.3) * width)
                canvas = compose(piece, b, side, overlap, u(0.0, 1.0), u(-0.25, 0.25))
                piece = frame(canvas)
            out[i, 0] = 1.0 - piece
    pairs = torch.ones(n_pairs, 1, SIDE, SIDE)
    for k in range(n_pairs if n > 1 else 0):
        i = int(torch.randint(0, n, (), generator=gen))
        a, b = ink[i], ink[partner(i)]
        ba, bb = ink_box(a), ink_box(b)
        if ba is None or bb is None:
            continue
        width = min(ba[3] - ba[2], bb[3] - bb[2]) + 1
        overlap = round(u(0.02, 0.3) * width)
        pairs[k, 0] = 1.0 - frame(compose(a, b, 1, overlap, None, 0.0))
    return out, pairs


def outlier_loss(logits):
    """Cross-entropy of the logits against the uniform distribution over the classes (outlier exposure)."""
    return -F.log_softmax(logits, 1).mean(1).mean()


def _band(ink, gen, width):
    """A straight band `width` px wide at a random angle through the ink box's middle half: (mask of the band,
    signed distance of every pixel to the band's centre line)."""
    box = ink_box(ink)
    y0, y1, x0, x1 = box
    cy = y0 + (y1 - y0) * (0.25 + 0.5 * float(torch.rand((), generator=gen)))
    cx = x0 + (x1 - x0) * (0.25 + 0.5 * float(torch.rand((), generator=gen)))
    ang = float(torch.rand((), generator=gen)) * 3.14159265
    ys = torch.arange(SIDE, dtype=torch.float32).view(SIDE, 1) - cy
    xs = torch.arange(SIDE, dtype=torch.float32).view(1, SIDE) - cx
    d = xs * torch.cos(torch.tensor(ang)) + ys * torch.sin(torch.tensor(ang))
    return d.abs() < width / 2, d


def broken_batch(x, gen, p_broken, n_fragments, eligible=None):
    """Broken strokes (issue 12's 'broken' pages): a share `p_broken` of a batch [n,1,32,32] gets a straight
    band of 2–4 px (8–15% of a 26-px letter) erased, label kept (the lattice's merge of the pieces); and
    `n_fragments` glyphs of the batch are cut by such a band and one side kept, framed again: a piece of a
    broken letter, which is no character (trained towards uniform, like a pair). Returns (x', fragments)."""
    n = x.shape[0]
    ink = 1.0 - x[:, 0]
    out = x.clone()

    def width():
        return 2.0 + 2.0 * float(torch.rand((), generator=gen))

    if p_broken > 0:
        pick = torch.rand(n, generator=gen) < p_broken
        if eligible is not None:
            pick &= eligible
        for i in pick.nonzero().flatten().tolist():
            if ink_box(ink[i]) is None:
                continue
            band, _ = _band(ink[i], gen, width())
            out[i, 0] = 1.0 - ink[i] * (~band)
    frags = torch.ones(n_fragments, 1, SIDE, SIDE)
    for k in range(n_fragments):
        i = int(torch.randint(0, n, (), generator=gen))
        a = ink[i]
        if ink_box(a) is None:
            continue
        band, d = _band(a, gen, width())
        side = (d > 0) if torch.rand((), generator=gen) < 0.5 else (d < 0)
        piece = a * (~band) * side
        total, kept = float(a.sum()), float(piece.sum())
        if total <= 0 or not (0.2 <= kept / total <= 0.8):
            continue  # a band that missed the letter, or a speck: not a fragment
        frags[k, 0] = 1.0 - frame(piece)
    return out, frags


def bar_stub_batch(x, gen, p_stub, eligible, reach=(0.1, 0.45)):
    """A thin letter (an I or a 1) cut out of a touching pair with a stub of its neighbour still on it: what
    the lattice's cut offers when the cut falls inside the neighbour rather than between the two. For a share
    `p_stub` of the `eligible` members (bool [n]) of a batch [n,1,32,32], a random other member B is drawn
    touching the bar on one side (overlap 0–2 px or a gap of up to 1 px) and the pair is cut along a slightly
    slanted line a share `reach` of B's ink width inside B; the bar's side is kept and framed again, label
    kept. Unlike neighbour_batch's pieces, whose cut lies between the two letters' edges (within the overlap,
    at most 30% of the narrower letter: a pixel or two for a bar), the stub is measured on the neighbour."""
    n = x.shape[0]
    ink = 1.0 - x[:, 0]
    out = x.clone()
    if n < 2 or p_stub <= 0:
        return out

    def u(lo, hi):
        return lo + (hi - lo) * float(torch.rand((), generator=gen))

    pick = (torch.rand(n, generator=gen) < p_stub) & eligible
    ys = torch.arange(SIDE, dtype=torch.float32).view(SIDE, 1) - SIDE / 2
    xs = torch.arange(3 * SIDE, dtype=torch.float32).view(1, 3 * SIDE)
    for i in pick.nonzero().flatten().tolist():
        j = int(torch.randint(0, n - 1, (), generator=gen))
        j = j + 1 if j >= i else j
        a, b = ink[i], ink[j]
        ba, bb = ink_box(a), ink_box(b)
        if ba is None or bb is None:
            continue
        side = 1 if torch.rand((), generator=gen) < 0.5 else -1
        overlap = round(u(-1.0, 2.0))
        wb = bb[3] - bb[2] + 1
        canvas = compose(a, b, side, overlap, None, 0.0)
        if side > 0:
            line = SIDE + ba[3] - overlap + u(*reach) * wb + u(-0.25, 0.25) * ys
            keep = xs < line
        else:
            line = SIDE + ba[2] + overlap - u(*reach) * wb + u(-0.25, 0.25) * ys
            keep = xs > line
        out[i, 0] = 1.0 - frame(canvas * keep)
    return out
