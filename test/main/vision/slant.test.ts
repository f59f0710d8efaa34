// Letters that lean (vision/skew.ts#estimateSkew's `slant`): measured from the upright strokes' edges, and stood
// upright before the page is segmented (vision/sheet.ts#levellingSheet), its boxes mapped back to the file's pixels.
// Crafted pages of printed capitals sheared by known angles, and the generator's `slanted` pages.
import { createCanvas } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import { estimateSkew, MAX_RULES, MIN_SLANT, needsDeslant } from '../../../src/main/vision/skew.ts'
import {
  flattenSheet,
  levellingSheet,
  probeSheet,
  segmentScan,
  sheetRectToFile
} from '../../../src/main/vision/sheet.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { canvasGray } from '../helpers/grayImage.ts'
import { applyH } from '../../../src/main/vision/geometry.ts'
import { composePages } from '../../../src/main/data/pages/index.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { assembleText } from '../../../src/shared/pagedoc.ts'

const LINES = ['LETTERS THAT LEAN', 'READ AS UPRIGHT', 'ONES DO 4B 1907']
const W = 1300,
  H = 900

/**
 * The lines printed on a page with every letter leaning by `deg` (positive: its top to the right of its foot), and
 * where each character's centre lies; with `walls`, a form's row of cells with upright walls below the lines.
 */
function leaningPage(deg: number, walls = false): { image: GrayImage; centres: [number, number][] } {
  const px = 60
  const c = createCanvas(W, H)
  const ctx = c.getContext('2d')
  ctx.fillStyle = '#f6f6f6'
  ctx.fillRect(0, 0, W, H)
  if (walls) {
    // A row of cells below the writing, its walls upright on the paper.
    ctx.fillStyle = '#202020'
    for (let x = 100; x < W - 60; x += 45) ctx.fillRect(x, 690, 3, 190)
  }
  const k = Math.tan((deg * Math.PI) / 180)
  // x' = x − k·(y − H/2): a point above the middle moves right (k > 0), one below it left.
  ctx.setTransform(1, 0, -k, 1, (k * H) / 2, 0)
  ctx.fillStyle = '#151515'
  ctx.font = `bold ${px}px "DejaVu Sans"`
  const centres: [number, number][] = []
  LINES.forEach((line, li) => {
    let x = 170
    const base = 280 + li * px * 2
    for (const ch of line) {
      const m = ctx.measureText(ch)
      if (ch !== ' ') {
        ctx.fillText(ch, x, base)
        const cx = x + m.width / 2,
          cy = base - px * 0.36
        centres.push([cx - k * (cy - H / 2), cy])
      }
      x += m.width + px * 0.15
    }
  })
  return { image: canvasGray(ctx, W, H), centres }
}

describe('letters that lean', () => {
  it.each([-15, 12, 20])(
    'measures letters leaning by %d° to within 2°, and stands them upright',
    async (deg) => {
      const skew = await estimateSkew(leaningPage(deg).image)
      expect(Math.abs(skew.slant - deg)).toBeLessThanOrEqual(2)
      expect(Math.abs(skew.degrees)).toBeLessThanOrEqual(0.3)
      expect(needsDeslant(skew)).toBe(true)
    },
    30_000
  )

  it('leaves upright letters as they stand', async () => {
    const skew = await estimateSkew(leaningPage(0).image)
    expect(Math.abs(skew.slant)).toBeLessThan(MIN_SLANT / 2)
    expect(needsDeslant(skew)).toBe(false)
  }, 30_000)

  // A form's cell walls stand upright on the paper: standing its letters upright would lean them, and the cell-wall
  // removal (vision/clutter.ts) looks for upright walls (the tuning pages' `boxed` forms written in an italic lost
  // most of their letters when they were deslanted).
  it("keeps a form's letters as they lean when its cell walls stand upright", async () => {
    const skew = await estimateSkew(leaningPage(15, true).image)
    expect(skew.slant).toBeGreaterThan(MIN_SLANT)
    expect(skew.rules).toBeGreaterThanOrEqual(MAX_RULES)
    expect(needsDeslant(skew)).toBe(false)
  }, 30_000)

  it('makes a sheet whose flattening stands the letters upright and keeps every pixel of the page', async () => {
    const image = leaningPage(0).image
    const deg = 18
    const sheet = levellingSheet(image, 0, deg)
    expect(sheet.flatHeight).toBe(H)
    const flat = await flattenSheet(image, sheet)
    expect(flat.image.height).toBe(H)
    const k = Math.tan((deg * Math.PI) / 180)
    expect(flat.image.width).toBe(Math.round(W + k * H))
    // A flat column is a line leaning by `deg` on the page: its top k·H to the right of its foot.
    const [xTop, yTop] = applyH(flat.toImage, 300, 0)
    const [xFoot, yFoot] = applyH(flat.toImage, 300, H)
    expect(yTop).toBeCloseTo(0, 6)
    expect(yFoot).toBeCloseTo(H, 6)
    expect(xTop - xFoot).toBeCloseTo(k * H, 4)
    // Every corner of the page lies on the flat sheet (to within the rounding of its width to whole pixels).
    const toFlat = (x: number, y: number) => [x + k * (y - H / 2) + (W + k * H) / 2 - W / 2, y]
    for (const [x, y] of [
      [0, 0],
      [W, 0],
      [W, H],
      [0, H]
    ]) {
      const [u, v] = toFlat(x, y)
      expect(u).toBeGreaterThanOrEqual(-0.5)
      expect(u).toBeLessThanOrEqual(flat.image.width + 0.5)
      const [bx, by] = applyH(flat.toImage, u, v)
      expect(Math.abs(bx - x)).toBeLessThan(0.5)
      expect(Math.abs(by - y)).toBeLessThan(0.5)
    }
  })

  it('reads a page leaning by 20° as it reads it upright, every box drawn around its character in the file', async () => {
    const classifier = await loadClassifier()
    const upright = await transcribe(leaningPage(0).image, classifier)
    expect(assembleText(upright.doc)).toBe(LINES.join('\n'))
    const { image, centres } = leaningPage(20)
    const seg = await segmentScan(image)
    expect(seg.sheet?.sheet.flatHeight).toBe(H)
    const leaning = await transcribe(image, classifier)
    expect(assembleText(leaning.doc)).toBe(LINES.join('\n'))
    expect(leaning.doc.boxes).toHaveLength(centres.length)
    for (const [x, y] of centres)
      expect(
        leaning.doc.boxes.some((b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h),
        `${x},${y}`
      ).toBe(true)
  }, 60_000)

  // A phone photo of a leaning hand: the flat sheet is stood upright (from the flat sheet, so that the corners the
  // shear adds repeat the paper's edge, not the desk), and the boxes still fall on the letters in the file.
  it("stands a photographed sheet's leaning letters upright, its boxes on the letters in the file", async () => {
    const { files, manifest } = await composePages({ seed: 2, conditions: ['phone-slanted'], pagesPerCondition: 3 })
    let stood = 0
    for (const page of manifest.pages) {
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      const { sheet } = await probeSheet(img)
      expect(sheet, page.file).not.toBeNull()
      const leaning = await estimateSkew((await flattenSheet(img, sheet!)).image)
      const seg = await segmentScan(img)
      expect(seg.sheet, page.file).toBeDefined()
      if (needsDeslant(leaning)) {
        stood++
        expect(Math.abs((await estimateSkew(seg.sheet!.image)).slant), page.file).toBeLessThan(MIN_SLANT)
      }
      const boxes = seg.boxes.map((b) => sheetRectToFile(img, seg.sheet!, b))
      const held = page.chars.filter(([, x0, y0, x1, y1]) => {
        const cx = (x0 + x1) / 2,
          cy = (y0 + y1) / 2
        return boxes.some((b) => cx >= b.x && cx <= b.x + b.w && cy >= b.y && cy <= b.y + b.h)
      }).length
      expect(held / page.chars.length, page.file).toBeGreaterThanOrEqual(0.9)
    }
    expect(stood).toBeGreaterThanOrEqual(2)
  }, 90_000)

  it("composes the generator's slanted pages deterministically, their boxes on their ink", async () => {
    const a = await composePages({ seed: 9, conditions: ['slanted'], pagesPerCondition: 2 })
    const b = await composePages({ seed: 9, conditions: ['slanted'], pagesPerCondition: 2 })
    expect(a.files.map((f) => f.bytes.equals(b.files.find((g) => g.name === f.name)!.bytes))).not.toContain(false)
    for (const page of a.manifest.pages) {
      expect(Math.abs(page.slantDeg!)).toBeGreaterThanOrEqual(10)
      expect(Math.abs(page.slantDeg!)).toBeLessThanOrEqual(24)
      expect(page.drawnAs).toBeDefined()
      const img = await loadImage(a.files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      for (const [ch, x0, y0, x1, y1] of page.chars) {
        let min = 255
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) min = Math.min(min, img.data[y * img.width + x])
        expect(min, `${page.file} ${ch}`).toBeLessThan(128)
      }
    }
  }, 60_000)
})
