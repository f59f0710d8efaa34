// A synthetic page drawn stroke by stroke, so every expected box is known exactly: a straight line, a
// slanted line, a touching pair, a broken character, a thin "1", punctuation and specks on shaded paper.
import { createCanvas } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { layoutPage, type Rect } from '../../../src/main/vision/layout.ts'
import { ellipseCore, largeLettersInRows, notWriting, solidCore, strokeAxis } from '../../../src/main/vision/clutter.ts'
import { segmentPage } from '../../../src/main/vision/segment.ts'
import { canvasGray, pageAndCap, paperCanvas, shrinkGray } from '../helpers/grayImage.ts'

type Stroke = [number, number][]
// Glyphs as polylines in a unit box (x right, y down); width factor per glyph.
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
  T: {
    w: 0.7,
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
    w: 0.7,
    strokes: [
      [
        [0, 1],
        [0, 0],
        [1, 1],
        [1, 0]
      ]
    ]
  },
  Z: {
    w: 0.7,
    strokes: [
      [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1]
      ]
    ]
  },
  V: {
    w: 0.7,
    strokes: [
      [
        [0, 0],
        [0.5, 1],
        [1, 0]
      ]
    ]
  },
  X: {
    w: 0.7,
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
  },
  // Wide variants, as wide as many handwritten N and X on the sample pages.
  n: {
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
  x: {
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
  },
  '1': {
    w: 0.15,
    strokes: [
      [
        [0.5, 0],
        [0.5, 1]
      ]
    ]
  },
  // A T whose bar was lifted off the stem: two pieces, one character.
  t: {
    w: 0.7,
    strokes: [
      [
        [0, 0],
        [1, 0]
      ],
      [
        [0.5, 0.16],
        [0.5, 1]
      ]
    ]
  }
}

const H = 60,
  STROKE = 6

interface Drawn {
  ch: string
  rect: Rect
}

/** The page; `ink` is the strokes' colour (default near-black; a translucent one draws faint writing). */
function drawPage(ink = '#202020'): { image: GrayImage; expected: Drawn[][] } {
  const W = 1400,
    HP = 900
  const canvas = createCanvas(W, HP)
  const ctx = canvas.getContext('2d')
  // Uneven light: a horizontal shading from white to mid-grey.
  const g = ctx.createLinearGradient(0, 0, W, HP)
  g.addColorStop(0, '#f4f4f4')
  g.addColorStop(1, '#a8a8a8')
  ctx.fillStyle = g
  ctx.fillRect(0, 0, W, HP)
  ctx.strokeStyle = ink
  ctx.lineWidth = STROKE
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  const expected: Drawn[][] = []
  const glyph = (ch: string, x: number, y: number): Drawn => {
    const gl = GLYPHS[ch]
    const gw = gl.w * H
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity
    for (const s of gl.strokes) {
      ctx.beginPath()
      s.forEach(([u, v], i) => {
        const px = x + u * gw,
          py = y + v * H
        if (i === 0) ctx.moveTo(px, py)
        else ctx.lineTo(px, py)
        x0 = Math.min(x0, px)
        y0 = Math.min(y0, py)
        x1 = Math.max(x1, px)
        y1 = Math.max(y1, py)
      })
      ctx.stroke()
    }
    const r = STROKE / 2
    return { ch: ch.toUpperCase(), rect: { x: x0 - r, y: y0 - r, w: x1 - x0 + 2 * r, h: y1 - y0 + 2 * r } }
  }
  const line = (text: string, x: number, y: number, slope: number, letterGap = 0.45, wordGap = 1.6) => {
    const out: Drawn[] = []
    for (const ch of text) {
      if (ch === ' ') {
        x += (wordGap - letterGap) * H
        continue
      }
      out.push(glyph(ch, x, y + slope * (x - 100)))
      x += (GLYPHS[ch].w + letterGap) * H
    }
    expected.push(out)
    return x
  }
  line('HELL THE', 100, 80, 0)
  // Slanted by ~7°: the right end sits more than a character height lower than the left.
  line('ZEN VEXT LENT', 100, 230, 0.12)
  // "1" with a period after it (punctuation, dropped), then a broken T.
  const end = line('1 tEN', 100, 470, 0)
  ctx.fillStyle = ink
  ctx.beginPath()
  ctx.arc(100 + 0.15 * H + 14, 470 + H - 3, 4.5, 0, 2 * Math.PI)
  ctx.fill()
  void end
  // A touching pair: two wide letters drawn so their strokes overlap, in a line of ordinary spacing.
  const pairLine: Drawn[] = []
  let x = 100
  for (const ch of 'LET') {
    pairLine.push(glyph(ch, x, 620))
    x += (GLYPHS[ch].w + 0.45) * H
  }
  x += 0.8 * H
  // Pairs no wider than a W are left whole (a width rule cannot tell them apart; see SegmentOptions.splitter).
  const n = glyph('n', x, 620)
  x += GLYPHS.n.w * H - STROKE * 0.3
  const xx = glyph('x', x, 620)
  x += (GLYPHS.x.w + 0.45) * H
  pairLine.push(n, xx)
  pairLine.push(glyph('H', x, 620))
  expected.push(pairLine)
  // Specks: single dots of pencil dust scattered over the paper.
  let seed = 7
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  for (let i = 0; i < 60; i++) {
    ctx.beginPath()
    ctx.arc(50 + rnd() * 1300, 760 + rnd() * 120, 1 + rnd() * 1.5, 0, 2 * Math.PI)
    ctx.fill()
  }
  for (let i = 0; i < 25; i++) {
    ctx.beginPath()
    ctx.arc(50 + rnd() * 1300, 30 + rnd() * 700, 1.5, 0, 2 * Math.PI)
    ctx.fill()
  }

  return { image: canvasGray(ctx, W, HP), expected }
}

function iou(a: Rect, b: Rect): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x))
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y))
  const i = ix * iy
  return i / (a.w * a.h + b.w * b.h - i)
}

/** Every drawn letter is one box, in its line and in order, at IoU > 0.6 with the letter; nothing else is. */
function expectOneBoxPerLetter(boxes: Rect[], expected: Drawn[][]): void {
  const layout = layoutPage(boxes)
  expect(layout.lines.map((l) => l.boxCount)).toEqual(expected.map((l) => l.length))
  for (const b of layout.boxes) {
    const want = expected[b.line][layout.boxes.filter((o) => o.line === b.line).indexOf(b)]
    expect(iou(b.box, want.rect), `line ${b.line} "${want.ch}"`).toBeGreaterThan(0.6)
  }
}

describe('segmentPage on a synthetic page', () => {
  const page = drawPage()
  const result = segmentPage(page.image, { splitWidthRatio: 1.75 })

  it('finds every character as one box, in the right line, and nothing else', async () => {
    expectOneBoxPerLetter((await result).boxes, page.expected)
  })

  it('keeps the thin "1", drops the period after it, and merges the broken T', async () => {
    const { boxes } = await result
    const line = layoutPage(boxes).boxes.filter((b) => b.line === 2)
    expect(line).toHaveLength(4)
    expect(line[0].box.w).toBeLessThan(0.4 * H)
    expect(line[1].box.h).toBeGreaterThan(0.9 * H)
  })

  it('splits the touching pair into two boxes', async () => {
    const { boxes } = await result
    const line = layoutPage(boxes).boxes.filter((b) => b.line === 3)
    expect(line.filter((b) => b.box.origin === 'split')).toHaveLength(2)
  })

  it('lets a classifier-guided splitter veto a split', async () => {
    const { boxes } = await segmentPage(page.image, { splitter: () => [] })
    expect(boxes.filter((b) => b.origin === 'split')).toHaveLength(0)
    expect(boxes.length).toBe(page.expected.flat().length - 1)
  })

  it('returns the binary image and the character height', async () => {
    const r = await result
    expect(r.charHeight).toBeGreaterThan(0.8 * H)
    expect(r.charHeight).toBeLessThan(1.25 * (H + STROKE))
    expect(r.binary.data.length).toBe(r.binary.width * r.binary.height)
    expect(r.binary.width).toBe(Math.round(page.image.width * r.binaryScale))
  })
})

describe('faint writing', () => {
  it('finds the same boxes on a page written faintly (ink 15% darker than its paper) as on the dark page', async () => {
    // 18% of near-black over the shaded paper: ink 206 on paper 244 at the left, 144 on 168 at the right — no
    // pixel as dark as hasInk's level, and Otsu's threshold alone would fall into the paper's noise.
    const faint = drawPage('rgba(32, 32, 32, 0.18)')
    const dark = await segmentPage(drawPage().image, { splitWidthRatio: 1.75 })
    const { boxes } = await segmentPage(faint.image, { splitWidthRatio: 1.75 })
    expect(boxes.length).toBe(dark.boxes.length)
    expectOneBoxPerLetter(boxes, faint.expected)
  })

  it('still finds nothing on blank shaded paper with noise', async () => {
    const W = 900,
      HP = 600
    const data = new Uint8Array(W * HP)
    let seed = 12345
    for (let y = 0; y < HP; y++)
      for (let x = 0; x < W; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0
        data[y * W + x] = Math.round(240 - (60 * x) / W + ((seed >>> 16) % 9) - 4) // shading and ±4 of noise
      }
    const { boxes } = await segmentPage({ width: W, height: HP, data })
    expect(boxes).toHaveLength(0)
  })
})

describe('small writing', () => {
  it('finds every character of the page shrunk 4× (letters 15 px tall, strokes 1.5 px wide), each where it is', async () => {
    // Upscaled ~4× to the working size, a 3×3 median of the small image would cover 12 working pixels and wipe
    // out the thin strokes before the threshold; the median runs after the upscaling instead.
    const page = drawPage()
    const k = 4
    const { boxes } = await segmentPage(shrinkGray(page.image, k), { splitWidthRatio: 1.75 })
    const layout = layoutPage(boxes)
    expect(layout.lines.map((l) => l.boxCount)).toEqual(page.expected.map((l) => l.length))
    for (const b of layout.boxes) {
      const want = page.expected[b.line][layout.boxes.filter((o) => o.line === b.line).indexOf(b)]
      const r = want.rect
      // The box holds the letter's centre (scaled) and is no more than a third of a letter wider or taller than it
      // (at this size a period 4 px from the "1" may join it).
      const [mx, my] = [(r.x + r.w / 2) / k, (r.y + r.h / 2) / k]
      const at = `line ${b.line} "${want.ch}"`
      expect(mx, at).toBeGreaterThanOrEqual(b.box.x)
      expect(mx, at).toBeLessThanOrEqual(b.box.x + b.box.w)
      expect(my, at).toBeGreaterThanOrEqual(b.box.y)
      expect(my, at).toBeLessThanOrEqual(b.box.y + b.box.h)
      expect(b.box.w, at).toBeLessThanOrEqual((r.w + H / 3) / k + 1)
      expect(b.box.h, at).toBeLessThanOrEqual((r.h + H / 3) / k + 1)
    }
  })
})

describe('loose strokes', () => {
  /** A 700 × 200 page with six upright bars 70 px tall (the page's characters); `fill` adds ink rectangles. */
  function barsPage() {
    const width = 700,
      height = 200
    const data = new Uint8Array(width * height).fill(240)
    const fill = (x: number, y: number, w: number, h: number) => {
      for (let yy = y; yy < y + h; yy++) data.fill(20, yy * width + x, yy * width + x + w)
    }
    for (let k = 0; k < 6; k++) fill(60 + 80 * k, 60, 12, 70)
    return { image: { width, height, data }, fill }
  }

  it('keeps a flat stroke that is no character aside as loose, not as a box, and drops specks', async () => {
    // The bars, a flat stroke 40 × 9 px 20 px right of the last one's foot (an L's foot that broke off: too
    // far to be merged by the segmenter), and 3 × 3 specks.
    const { image, fill } = barsPage()
    fill(60 + 80 * 5 + 12 + 20, 121, 40, 9)
    for (const [x, y] of [
      [30, 20],
      [650, 170],
      [300, 175]
    ])
      fill(x, y, 3, 3)
    const r = await segmentPage(image)
    expect(r.boxes).toHaveLength(6)
    expect(r.loose).toHaveLength(1)
    const [p] = r.loose!
    expect(p.x).toBeGreaterThanOrEqual(490)
    expect(p.x).toBeLessThanOrEqual(494)
    expect(p.w).toBeGreaterThanOrEqual(38)
    expect(p.w).toBeLessThanOrEqual(42)
    expect(p.h).toBeLessThan(14)
    expect(p.ink?.labels).toHaveLength(1)
    expect(r.boxes.some((b) => b.x + b.w > 480)).toBe(false)
  })

  it('keeps a flat piece smaller than a speck (a broken-off end of a bar) as loose, but not a dot of the same size', async () => {
    // The bars; right of the third, a flat piece 17 × 7 px (0.24 character heights wide: below the 0.3 speck
    // size, above looseFraction 0.2); right of the fifth, a square dot 11 × 11 px (about the same ink, also
    // below the speck size).
    const { image, fill } = barsPage()
    fill(60 + 80 * 2 + 30, 60, 17, 7)
    fill(60 + 80 * 4 + 30, 119, 11, 11)
    const r = await segmentPage(image)
    expect(r.boxes).toHaveLength(6)
    expect(r.loose).toHaveLength(1)
    const [p] = r.loose!
    expect(Math.abs(p.x - 250)).toBeLessThanOrEqual(2)
    expect(Math.abs(p.w - 17)).toBeLessThanOrEqual(2)
    // With the piece's width counted as a speck (looseFraction at the speck size), it is dropped like the dot.
    const strict = await segmentPage(image, { looseFraction: 0.3 })
    expect(strict.loose ?? []).toHaveLength(0)
  })
})

describe('the character height among large clutter', () => {
  // Two lines of 12 letters and five rings, each taller than three lines of writing: the rings are 5 of 29 pieces,
  // more than the top 5%, so the largest 5% alone set the page's scale to a ring's (a cable and cups around a sheet
  // that was not found did so on a generated light-desk photo, and its letters were dropped as specks).
  it('takes the letters, not the rings, for the characters', async () => {
    const W = 1200,
      Hc = 800
    const { ctx, cap: capHeight } = pageAndCap(W, Hc, 'bold 40px "DejaVu Sans"')
    const lines = ['HEAVY STONES', 'MIXED CLOUDS']
    lines.forEach((t, i) => ctx.fillText(t, 380, 330 + 70 * i))
    ctx.strokeStyle = '#303030'
    ctx.lineWidth = 5
    for (const [x, y] of [
      [150, 150],
      [150, 620],
      [1030, 150],
      [1030, 620],
      [600, 640]
    ]) {
      ctx.beginPath()
      ctx.arc(x, y, 110, 0, 2 * Math.PI)
      ctx.stroke()
    }
    const r = await segmentPage(canvasGray(ctx, W, Hc))
    expect(r.charHeight).toBeGreaterThan(0.85 * capHeight)
    expect(r.charHeight).toBeLessThan(1.25 * capHeight)
    // Every letter is a box (11 + 12, the rings none).
    const letters = r.boxes.filter((b) => b.h < 2 * capHeight)
    expect(letters).toHaveLength(lines.join('').replace(/ /g, '').length)
  })
})

describe('punch holes and blots', () => {
  // A page punched for a binder and scanned against a dark lid: three filled disks in its margin, each a little
  // taller than the writing. They were read as O or 0 at the start of three lines (generated pages with holes:
  // 3.2% CER against 0.5% without). Beside them, bold print thickened further (every stroke a fifth of the cap
  // height), whose O, 0, 8, B and D must stay letters.
  const W = 1200,
    Hc = 700
  const lines = ['BOLD 80 OBOE', 'DEAD 8B0 ODD', 'HOME 808 BED']
  function page(holes: boolean) {
    const ctx = paperCanvas(W, Hc, '#f2f2f2', '#1e1e1e')
    ctx.font = 'bold 56px "DejaVu Sans"'
    const capHeight = ctx.measureText('H').actualBoundingBoxAscent
    ctx.lineWidth = 0.2 * capHeight - 9
    ctx.lineJoin = 'round'
    lines.forEach((t, i) => {
      ctx.fillText(t, 200, 180 + 170 * i)
      ctx.strokeText(t, 200, 180 + 170 * i)
    })
    if (holes)
      for (const y of [160, 330, 500]) {
        ctx.beginPath()
        ctx.arc(90, y, 0.6 * capHeight, 0, 2 * Math.PI)
        ctx.fill()
      }
    return { gray: canvasGray(ctx, W, Hc), capHeight }
  }

  it('measures a disk as solid in the middle and a ring or a bold O as not', () => {
    // A 40-px disk and a ring 8 px thick (a bold O: a fifth of its size), each in the middle of a 60-px image.
    const n = 60,
      d = 40
    const disk = new Uint8Array(n * n),
      ring = new Uint8Array(n * n)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const r = Math.hypot(x + 0.5 - n / 2, y + 0.5 - n / 2)
        if (r <= d / 2) disk[y * n + x] = 255
        if (r <= d / 2 && r >= d / 2 - 8) ring[y * n + x] = 255
      }
    const box = { x: 10, y: 10, w: d, h: d }
    const area = (m: Uint8Array) => m.filter(Boolean).length
    expect(solidCore({ ...box, area: area(disk) }, disk, n)).toBe(1)
    expect(solidCore({ ...box, area: area(ring) }, ring, n)).toBeLessThan(0.4)
    expect(notWriting({ ...box, area: area(disk) }, d, n, n, disk)).toBe(true)
    expect(notWriting({ ...box, area: area(ring) }, d, n, n, ring)).toBe(false)
    // Without the image the disk passes (it fills π/4 of its box, under the 0.85 of a solid block).
    expect(notWriting({ ...box, area: area(disk) }, d, n, n)).toBe(false)
  })

  it("keeps a marker's X, ink all through the middle of its box but not through a disk's middle", () => {
    // An X 40 px square whose two strokes are 13 px wide (a third of its height): 72% of its box ink, the middle
    // half of the box all ink — as a disk's. Inside the ellipse inscribed in the box (shrunk to 0.9), paper reaches
    // in between its arms (75% ink; a disk: 100%).
    const n = 60,
      s = 40,
      t = 13
    const X = new Uint8Array(n * n)
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        const u = x + 0.5 - s / 2,
          v = y + 0.5 - s / 2
        if (Math.abs(u - v) / Math.SQRT2 <= t / 2 || Math.abs(u + v) / Math.SQRT2 <= t / 2)
          X[(y + 10) * n + x + 10] = 255
      }
    const box = { x: 10, y: 10, w: s, h: s, area: X.filter(Boolean).length }
    expect(box.area / (s * s)).toBeGreaterThan(0.6)
    expect(box.area / (s * s)).toBeLessThan(0.85)
    expect(solidCore(box, X, n)).toBeGreaterThanOrEqual(0.9)
    expect(ellipseCore(box, X, n, 0.9)).toBeLessThan(0.8)
    expect(notWriting(box, s, n, n, X)).toBe(false)
    // A disk of the same size: 100% inside the ellipse, no writing.
    const disk = new Uint8Array(n * n)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) if (Math.hypot(x + 0.5 - n / 2, y + 0.5 - n / 2) <= s / 2) disk[y * n + x] = 255
    expect(ellipseCore({ ...box, area: 0 }, disk, n, 0.9)).toBe(1)
  })

  it('drops the holes and keeps every bold letter', async () => {
    const { gray, capHeight } = page(true)
    const r = await segmentPage(gray)
    const letters = lines.join('').replace(/ /g, '').length
    expect(r.boxes).toHaveLength(letters)
    expect(r.boxes.every((b) => b.x > 90 + 0.6 * capHeight)).toBe(true)
    // The same page without holes: the same boxes.
    const plain = await segmentPage(page(false).gray)
    expect(plain.boxes).toHaveLength(letters)
  })
})

describe('a staple in the corner', () => {
  // A staple in a scanned page's corner was read as I or 1, often as a line of its own above the writing. A lone
  // straight stroke slanted 15–60° from the horizontal is no character; an I alone is upright and stays.
  const W = 1200,
    Hc = 700
  function page(staple: boolean) {
    const ctx = paperCanvas(W, Hc, '#f4f4f4', '#202020')
    ctx.font = '56px "DejaVu Sans"'
    ctx.fillText('WORD 17 AXE', 300, 260)
    ctx.fillText('NEXT LINE', 300, 420)
    // A single I far from everything, slanted as handwriting may be (20° from upright), on a line of its own.
    ctx.save()
    ctx.translate(900, 600)
    ctx.rotate((20 * Math.PI) / 180)
    ctx.fillText('I', 0, 0)
    ctx.restore()
    if (staple) {
      ctx.strokeStyle = '#303030'
      ctx.lineWidth = 4
      ctx.beginPath()
      ctx.moveTo(60, 110)
      ctx.lineTo(100, 70)
      ctx.stroke()
    }
    return canvasGray(ctx, W, Hc)
  }

  it('measures a slanted bar by its second moments: its angle, and its length over its thickness', () => {
    const n = 80
    const labels = new Int32Array(n * n)
    // A bar 50 px long and 5 px thick at 40° from the horizontal, through the middle.
    const th = (40 * Math.PI) / 180
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const [dx, dy] = [x + 0.5 - n / 2, y + 0.5 - n / 2]
        const along = dx * Math.cos(th) - dy * Math.sin(th),
          across = dx * Math.sin(th) + dy * Math.cos(th)
        if (Math.abs(along) <= 25 && Math.abs(across) <= 2.5) labels[y * n + x] = 3
      }
    const { angle, elongation } = strokeAxis({ x: 0, y: 0, w: n, h: n, area: 0, labels: [3] }, labels, n)
    expect(angle).toBeCloseTo(40, 0)
    expect(elongation).toBeGreaterThan(8)
    expect(elongation).toBeLessThan(12)
  })

  it('drops the staple and keeps every character, the lone slanted I too', async () => {
    const withStaple = await segmentPage(page(true))
    const without = await segmentPage(page(false))
    // W O R D 1 7 A X E, N E X T L I N E, I.
    expect(without.boxes).toHaveLength(18)
    expect(withStaple.boxes).toHaveLength(18)
    expect(withStaple.boxes.every((b) => b.x > 150)).toBe(true)
  })
})

describe('lines written close together', () => {
  // Two lines 1.3 cap heights apart, three letters of the upper one joined to the letters below by a stroke (a
  // foot resting on a head): each such pair was one tall component, which chained the two lines into one (dense
  // tuning pages read 10.1% CER). A heading's capital 1.7 times as tall, alone on its line, and a long thin stroke
  // beside both lines stay whole.
  function page() {
    const W = 1400,
      Hc = 560
    const { ctx, cap } = pageAndCap(W, Hc, '60px "DejaVu Sans"')
    ctx.font = '100px "DejaVu Sans"'
    ctx.fillText('T', 120, 180)
    ctx.font = '60px "DejaVu Sans"'
    const top = 'HELLO WORLD NEAR'
    const below = 'HILLS MEAN ROADS'
    const y1 = 320,
      y2 = y1 + Math.round(1.3 * cap)
    ctx.fillText(top, 120, y1)
    ctx.fillText(below, 120, y2)
    // Joins: from the foot of three upper letters straight down into the letter below.
    ctx.lineWidth = 6
    for (const k of [0, 6, 12]) {
      const x = 120 + ctx.measureText(top.slice(0, k)).width + 8
      ctx.beginPath()
      ctx.moveTo(x, y1 - 2)
      ctx.lineTo(x, y2 - cap + 4)
      ctx.stroke()
    }
    // A long thin stroke beside both lines (a bracket in the margin, a streak of a desk's grain): one stroke, no
    // two letters, whatever stands beside it.
    ctx.lineWidth = 5
    ctx.beginPath()
    ctx.moveTo(850, y1 - cap - 10)
    ctx.quadraticCurveTo(862, y1 + 0.2 * cap, 852, y2 + 10)
    ctx.stroke()
    return { gray: canvasGray(ctx, W, Hc), cap, letters: (top + below).replace(/ /g, '').length }
  }

  it('cuts letters of two lines that touch apart, so the lines stay two, and keeps a tall heading letter whole', async () => {
    const { gray, cap, letters } = page()
    const r = await segmentPage(gray)
    const tall = r.boxes.filter((b) => b.h > 1.6 * cap)
    // Only the heading's T and the stroke are tall: every joined pair was cut between the lines.
    expect(tall).toHaveLength(2)
    expect(tall[0].y + tall[0].h).toBeLessThan(200)
    expect(tall[1].x).toBeGreaterThan(840)
    expect(r.boxes).toHaveLength(letters + 2)
    const lay = layoutPage(r.boxes.filter((b) => b.y > 200 && b.x < 840))
    expect(lay.lines).toHaveLength(2)
    expect(lay.lines.map((l) => l.boxCount)).toEqual([14, 14])
  })
})

describe('a heading written much larger', () => {
  // A title 3.2 times the cap height of the writing below it: each of its letters is over three character heights
  // tall, and every such piece was dropped as a border or a shadow (generated heading pages: 2.6% CER against 0.7%).
  // A row of them is kept; one tall ring alone (a mug's rim on the page) still is not.
  function page(ring: boolean) {
    const W = 1500,
      Hc = 760
    const { ctx, cap } = pageAndCap(W, Hc, '60px "DejaVu Sans"')
    ctx.font = '192px "DejaVu Sans"'
    ctx.fillText('OGDEN', 80, 230)
    ctx.font = '60px "DejaVu Sans"'
    ctx.fillText('WROTE THIS LIST', 80, 400)
    ctx.fillText('ON A FARM 1937', 80, 520)
    ctx.fillText('AND KEPT IT', 80, 640)
    if (ring) {
      ctx.lineWidth = 12
      ctx.beginPath()
      ctx.arc(1250, 520, 1.8 * cap, 0, 2 * Math.PI)
      ctx.stroke()
    }
    return { gray: canvasGray(ctx, W, Hc), cap }
  }
  const body = 'WROTETHISLIST' + 'ONAFARM1937' + 'ANDKEPTIT'

  it('keeps every letter of the heading and of the lines below it', async () => {
    const { gray, cap } = page(false)
    const r = await segmentPage(gray)
    const big = r.boxes.filter((b) => b.h > 2.5 * cap)
    expect(big).toHaveLength(5)
    // Measured on the body, not on the heading.
    expect(r.charHeight).toBeLessThan(1.3 * cap)
    expect(r.boxes).toHaveLength(5 + body.length)
  })

  it('drops one tall ring beside the writing, as before', async () => {
    const { gray, cap } = page(true)
    const r = await segmentPage(gray)
    expect(r.boxes.filter((b) => b.x > 1100 && b.h > 2.5 * cap)).toHaveLength(0)
    expect(r.boxes).toHaveLength(5 + body.length)
  })

  it('keeps a tall piece only beside two more of about its height', () => {
    const letter = (x: number, h: number) => ({ x, y: 100 - h, w: 0.7 * h, h, area: 0.3 * 0.7 * h * h })
    const row = [letter(0, 200), letter(200, 210), letter(400, 190)]
    expect(largeLettersInRows(row, [])).toEqual(row)
    // Two alone: dropped; with a shorter letter of the same heading beside them (kept by the segmenter): kept.
    expect(largeLettersInRows(row.slice(0, 2), [])).toEqual([])
    expect(largeLettersInRows(row.slice(0, 2), [letter(600, 150)])).toEqual(row.slice(0, 2))
    // … but not beside writing of the page's own size (a third of their height), nor beside pieces on another row.
    expect(largeLettersInRows(row.slice(0, 2), [letter(600, 60), letter(700, 60)])).toEqual([])
    expect(largeLettersInRows(row.slice(0, 2), [{ ...letter(600, 200), y: 400 }])).toEqual([])
    // Nor a row of tall pieces among the letters of the page's size: three lines written so close that letters of
    // each touch the next, chained (a letter beside each tall piece, in its middle line).
    const crowd = row.flatMap((c) => [letter(c.x - 70, 66), letter(c.x + c.w + 10, 66)].map((o) => ({ ...o, y: 0 })))
    expect(largeLettersInRows(row, crowd)).toEqual([])
    // A blot (ink filling its box) or a bar (five times as wide as tall) is no letter, in a row or not.
    const blot = { ...letter(600, 200), area: 0.9 * 140 * 200 }
    const bar = { x: 800, y: -100, w: 1000, h: 200, area: 0.3 * 200 * 1000 }
    expect(largeLettersInRows([...row, blot, bar], [])).toEqual(row)
  })
})
