// Crops masked to their own character: handwritten neighbours overlap each other's rectangles (the "PE" of
// DEEPEST on 04_deep), and a plain rectangle lets the neighbour's strokes into the classifier's input.
// A synthetic line drawn stroke by stroke, with an L whose box overlaps the wide bar of the T after it
// (the strokes do not touch), and a touching pair that the segmenter splits.
import { createCanvas } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import { decodeProbs, type Classifier } from '../../../src/main/recognize/classifier.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { canvasGray } from '../helpers/grayImage.ts'
import { layoutPage, type Rect } from '../../../src/main/vision/layout.ts'
import { glyphMask } from '../../../src/main/vision/glyphMask.ts'
import { segmentPage, type CharBox } from '../../../src/main/vision/segment.ts'
import { normaliseGlyph } from '../../../src/main/vision/normalise.ts'
import {
  cropGray,
  cropRect,
  DEFAULT_CROP_MARGIN,
  extractGlyphs,
  transcribe
} from '../../../src/main/read/transcribe.ts'

type Stroke = [number, number][]
const GLYPHS: Record<string, { w: number; strokes: Stroke[] }> = {
  H: {
    w: 0.7,
    strokes: [
      [
        [0, 0],
        [0, 1]
      ],
      [
        [1, 0],
        [1, 1]
      ],
      [
        [0, 0.5],
        [1, 0.5]
      ]
    ]
  },
  E: {
    w: 0.6,
    strokes: [
      [
        [1, 0],
        [0, 0],
        [0, 1],
        [1, 1]
      ],
      [
        [0, 0.5],
        [0.8, 0.5]
      ]
    ]
  },
  L: {
    w: 0.6,
    strokes: [
      [
        [0, 0],
        [0, 1],
        [1, 1]
      ]
    ]
  },
  // A T with a wide bar, whose left end reaches back over the preceding L's foot.
  T: {
    w: 0.9,
    strokes: [
      [
        [0, 0],
        [1, 0]
      ],
      [
        [0.5, 0],
        [0.5, 1]
      ]
    ]
  },
  N: {
    w: 0.9,
    strokes: [
      [
        [0, 1],
        [0, 0],
        [1, 1],
        [1, 0]
      ]
    ]
  },
  X: {
    w: 0.9,
    strokes: [
      [
        [0, 0],
        [1, 1]
      ],
      [
        [1, 0],
        [0, 1]
      ]
    ]
  }
}
const H = 60,
  STROKE = 6

/** Distance from p to the segment ab. */
function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax,
    dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

interface Drawn {
  ch: string
  segs: [number, number, number, number][]
}

function drawPage(): { image: GrayImage; lt: [Drawn, Drawn] } {
  const W = 1000,
    HP = 420
  const canvas = createCanvas(W, HP)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = '#eeeeee'
  ctx.fillRect(0, 0, W, HP)
  ctx.strokeStyle = '#202020'
  ctx.lineWidth = STROKE
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  const glyph = (ch: string, x: number, y: number): Drawn => {
    const gl = GLYPHS[ch],
      gw = gl.w * H
    const segs: Drawn['segs'] = []
    for (const s of gl.strokes) {
      ctx.beginPath()
      s.forEach(([u, v], i) => {
        const px = x + u * gw,
          py = y + v * H
        if (i === 0) ctx.moveTo(px, py)
        else ctx.lineTo(px, py)
        if (i > 0) segs.push([x + s[i - 1][0] * gw, y + s[i - 1][1] * H, px, py])
      })
      ctx.stroke()
    }
    return { ch, segs }
  }
  let x = 80
  for (const ch of 'HELE') {
    glyph(ch, x, 60)
    x += (GLYPHS[ch].w + 0.45) * H
  }
  // Line 2: H E L T H E, with the T's bar starting 0.45 H after the L's stem: the L's box (0.6 H wide)
  // and the T's box overlap by a quarter of the L, while the bar stays 12 px clear of the L's stem and
  // the T's stem 12 px clear of the L's foot.
  x = 80
  for (const ch of 'HE') {
    glyph(ch, x, 200)
    x += (GLYPHS[ch].w + 0.45) * H
  }
  const l = glyph('L', x, 200)
  x += 0.45 * H
  const t = glyph('T', x, 200)
  x += (GLYPHS.T.w + 0.45) * H
  for (const ch of 'HE') {
    glyph(ch, x, 200)
    x += (GLYPHS[ch].w + 0.45) * H
  }
  // A touching pair that the segmenter splits; the two parts share one component.
  x += 0.8 * H
  glyph('N', x, 200)
  x += GLYPHS.N.w * H - STROKE * 0.3
  glyph('X', x, 200)
  return { image: canvasGray(ctx, W, HP), lt: [l, t] }
}

const onStroke = (d: Drawn, x: number, y: number, r: number) =>
  d.segs.some(([ax, ay, bx, by]) => segDist(x + 0.5, y + 0.5, ax, ay, bx, by) <= r)
const contains = (b: Rect, x: number, y: number) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h

describe('crops masked to their own character', () => {
  const page = drawPage()
  const seg = segmentPage(page.image)

  /** The segmented box whose rectangle holds most of a drawn glyph's stroke centres. */
  async function boxOf(d: Drawn): Promise<CharBox> {
    const { boxes } = await seg
    const [ax, ay, bx, by] = d.segs[0]
    const cx = (ax + bx) / 2,
      cy = (ay + by) / 2
    const hits = boxes.filter((b) => contains(b, cx, cy) && b.y > 150)
    expect(hits.length).toBeGreaterThan(0)
    return hits.sort((p, q) => p.w * p.h - q.w * q.h)[0]
  }

  it('finds the L and the T as two boxes whose rectangles overlap', async () => {
    const [l, t] = [await boxOf(page.lt[0]), await boxOf(page.lt[1])]
    expect(l).not.toBe(t)
    const overlap = Math.min(l.x + l.w, t.x + t.w) - Math.max(l.x, t.x)
    expect(overlap).toBeGreaterThan(8)
    expect(l.ink?.labels.length).toBeGreaterThan(0)
  })

  it("keeps the neighbour's strokes out of each crop, and every stroke of the box's own character in", async () => {
    const s = await seg
    const margin = Math.round(0.06 * s.charHeight)
    for (const [self, other] of [
      [page.lt[0], page.lt[1]],
      [page.lt[1], page.lt[0]]
    ]) {
      const box = await boxOf(self)
      const rect = cropRect(s.normalised, box, margin)
      const crop = cropGray(s.normalised, box, margin)
      const mask = glyphMask(s, box, rect)!
      expect(mask).toHaveLength(rect.w * rect.h)
      let leakedBefore = 0,
        leakedAfter = 0,
        ownKept = 0,
        ownLost = 0
      for (let y = 0; y < rect.h; y++) {
        for (let x = 0; x < rect.w; x++) {
          const k = y * rect.w + x,
            px = rect.x + x,
            py = rect.y + y
          const dark = crop.data[k] < 0.5
          if (onStroke(other, px, py, STROKE / 2 - 1) && dark) {
            leakedBefore++
            if (mask[k]) leakedAfter++
          }
          if (onStroke(self, px, py, STROKE / 2 - 1)) {
            if (mask[k]) ownKept++
            else ownLost++
          }
        }
      }
      // Without the mask the neighbour is really there; with it, not one of its ink pixels is.
      expect(leakedBefore, `${self.ch}: the ${other.ch} reaches into the rectangle`).toBeGreaterThan(20)
      expect(leakedAfter, `${self.ch}: pixels of the ${other.ch} kept`).toBe(0)
      expect(ownLost, `${self.ch}: own stroke pixels masked out`).toBe(0)
      expect(ownKept).toBeGreaterThan(100)
    }
  })

  it('keeps every box to its own ink, the parts of a split pair included', async () => {
    const s = await seg
    // A generous crop, reaching well into the neighbours (and, for a split part, into its other half).
    const margin = Math.round(0.5 * s.charHeight)
    // Kept pixels may reach past the box by the halo (2 working px) plus rounding.
    const slack = Math.ceil(2 / s.binaryScale) + 1
    const split = s.boxes.filter((b) => b.origin === 'split')
    expect(split).toHaveLength(2)
    for (const box of s.boxes) {
      const rect = cropRect(s.normalised, box, margin)
      const mask = glyphMask(s, box, rect)!
      for (let y = 0; y < rect.h; y++) {
        for (let x = 0; x < rect.w; x++) {
          if (!mask[y * rect.w + x]) continue
          const px = rect.x + x,
            py = rect.y + y
          expect(
            px >= box.x - slack && px < box.x + box.w + slack && py >= box.y - slack && py < box.y + box.h + slack,
            `pixel ${px},${py} kept outside box ${JSON.stringify(box)}`
          ).toBe(true)
        }
      }
    }
  })

  it("gives the classifier an L without the T's bar, and leaves a box without ink data unmasked", async () => {
    const glyphs: Float32Array[] = []
    const spy: Classifier = {
      name: 'spy',
      async predict(g, n) {
        glyphs.push(g.slice())
        return decodeProbs(new Float32Array(n * 36).fill(1 / 36), n)
      }
    }
    const lBox = await boxOf(page.lt[0])
    const index = layoutPage((await seg).boxes).boxes.findIndex((b) => b.box.x === lBox.x && b.box.y === lBox.y)
    // Without the second look at unsure boxes with their ink closed, nor wide merges of boxes read as nothing (this
    // spy reads everything as nothing): the crops as made. Each reading's first batch is the detector's boxes
    // alone, in layout order (transcribe asks of them first whether the page is writing at all).
    const once = { heal: { weight: 0 }, lattice: { mergeWideBelow: 0 } }
    await transcribe(page.image, spy, { isolateGlyphs: false, ...once })
    const second = glyphs.length
    await transcribe(page.image, spy, once)
    // An L has no ink in the upper right of its glyph; the T's bar, when it leaks in, sits exactly there.
    const upperRightInk = (g: Float32Array) => {
      let ink = 0
      for (let y = 0; y < 12; y++) for (let x = 18; x < 32; x++) ink += 1 - g[index * 1024 + y * 32 + x]
      return ink
    }
    expect(upperRightInk(glyphs[0])).toBeGreaterThan(5)
    expect(upperRightInk(glyphs[second])).toBeLessThan(0.5)
    expect(glyphMask(await seg, { ...lBox, ink: undefined }, lBox)).toBeNull()
  })

  it('masks as its definition says, pixel by pixel, with crops reaching well past each box', async () => {
    const s = await seg
    const { labels: lab, binaryScale: sc } = s
    const { width: ww, height: wh } = s.binary
    for (const halo of [2, 0, 3])
      for (const box of s.boxes) {
        const ink = box.ink!
        const rect = cropRect(s.normalised, box, Math.round(0.5 * s.charHeight))
        // The window under the crop, with room for the halo (the definition; the code may use less of it).
        const wx0 = Math.max(0, Math.floor(rect.x * sc) - halo),
          wy0 = Math.max(0, Math.floor(rect.y * sc) - halo)
        const wx1 = Math.min(ww, Math.ceil((rect.x + rect.w) * sc) + halo),
          wy1 = Math.min(wh, Math.ceil((rect.y + rect.h) * sc) + halo)
        const own = (x: number, y: number): boolean => {
          const r = ink.rect
          if (x < r.x || x >= r.x + r.w || y < r.y || y >= r.y + r.h) return false
          if (ink.rows) {
            const i = y - ink.rows.y
            if (i < 0 || i >= ink.rows.from.length || x < ink.rows.from[i] || x >= ink.rows.to[i]) return false
          }
          return ink.labels.includes(lab[y * ww + x])
        }
        const near = (x: number, y: number): boolean => {
          for (let v = Math.max(wy0, y - halo); v <= Math.min(wy1 - 1, y + halo); v++)
            for (let u = Math.max(wx0, x - halo); u <= Math.min(wx1 - 1, x + halo); u++) if (own(u, v)) return true
          return false
        }
        const mask = glyphMask(s, box, rect, halo)!
        let kept = 0,
          first = ''
        for (let y = 0; y < rect.h; y++)
          for (let x = 0; x < rect.w; x++) {
            const wx = Math.min(ww - 1, Math.max(0, Math.floor((rect.x + x + 0.5) * sc))),
              wy = Math.min(wh - 1, Math.max(0, Math.floor((rect.y + y + 0.5) * sc)))
            const inWindow = wx >= wx0 && wx < wx1 && wy >= wy0 && wy < wy1
            const want = inWindow && (own(wx, wy) || (lab[wy * ww + wx] === 0 && near(wx, wy))) ? 1 : 0
            if (mask[y * rect.w + x] !== want && !first) first = `box ${box.x},${box.y} halo ${halo} pixel ${x},${y}`
            kept += want
          }
        expect(first).toBe('')
        expect(kept).toBeGreaterThan(0)
      }
  })

  it('extracts each box as its float crop, masked and normalised, would be, bit for bit (the split pair included)', async () => {
    const s = await seg
    const margin = Math.round(DEFAULT_CROP_MARGIN * s.charHeight)
    // The boxes twice, the second time with halo 0 and with the ink description dropped from every other box.
    for (const [boxes, halo] of [
      [s.boxes, undefined],
      [s.boxes.map((b, i) => (i % 2 ? { ...b, ink: undefined } : b)), 0]
    ] as const) {
      const got = extractGlyphs(s, boxes, { isolateHalo: halo })
      boxes.forEach((box, i) => {
        const rect = cropRect(s.normalised, box, margin)
        const crop = cropGray(s.normalised, box, margin)
        const mask = glyphMask(s, box, rect, halo)
        if (mask) for (let k = 0; k < mask.length; k++) if (!mask[k]) crop.data[k] = 1
        const want = normaliseGlyph(crop.data, crop.width, crop.height)
        expect(Buffer.from(got.buffer, i * 4096, 4096).equals(Buffer.from(want.buffer))).toBe(true)
      })
    }
  })
})
