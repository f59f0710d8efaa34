// A page scanned crooked (vision/skew.ts): the slope of its writing measured, and the page levelled before it is
// segmented, its boxes mapped back to the file's pixels. Crafted pages of printed capitals turned by known angles.
import { createCanvas } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import { estimateSkew, needsLevelling } from '../../../src/main/vision/skew.ts'
import { levellingSheet, segmentScan, turnSegmentation } from '../../../src/main/vision/sheet.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { canvasGray } from '../helpers/grayImage.ts'
import { applyH } from '../../../src/main/vision/geometry.ts'
import { turnGray } from '../../../src/main/vision/turn.ts'
import type { Rect } from '../../../src/main/vision/layout.ts'
import { composePages } from '../../../src/main/data/pages/index.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { assembleText } from '../../../src/shared/pagedoc.ts'
import { craftedPhoto } from '../helpers/craftedPhoto.ts'

const LINES = ['A PAGE SCANNED', 'CROOKED READS', 'AS A LEVEL ONE 4B']

/**
 * The lines printed on a 1200 × 900 page turned by `deg` about its centre (positive clockwise), and where each
 * character's centre lies on it.
 */
function turnedPage(deg: number): { image: GrayImage; centres: [number, number][] } {
  const W = 1200,
    H = 900,
    px = 60
  const c = createCanvas(W, H)
  const ctx = c.getContext('2d')
  ctx.fillStyle = '#f6f6f6'
  ctx.fillRect(0, 0, W, H)
  const t = (deg * Math.PI) / 180
  ctx.translate(W / 2, H / 2)
  ctx.rotate(t)
  ctx.translate(-W / 2, -H / 2)
  ctx.fillStyle = '#151515'
  ctx.font = `bold ${px}px "DejaVu Sans"`
  const centres: [number, number][] = []
  LINES.forEach((line, li) => {
    let x = 150
    const base = 260 + li * px * 2
    for (const ch of line) {
      const m = ctx.measureText(ch)
      if (ch !== ' ') {
        ctx.fillText(ch, x, base)
        const u = x + m.width / 2 - W / 2,
          v = base - px * 0.36 - H / 2
        centres.push([W / 2 + u * Math.cos(t) - v * Math.sin(t), H / 2 + u * Math.sin(t) + v * Math.cos(t)])
      }
      x += m.width + px * 0.15
    }
  })
  return { image: canvasGray(ctx, W, H), centres }
}

/** Each point lies inside one of the boxes (a box drawn around every character, in the file's pixels). */
function expectEachInABox(points: readonly [number, number][], boxes: readonly Rect[]): void {
  for (const [x, y] of points)
    expect(
      boxes.some((b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h),
      `${x},${y}`
    ).toBe(true)
}

describe('the slope of a page scanned crooked', () => {
  it.each([-9, -6, 5, 7])(
    'measures a page turned by %d° to within 0.3°, and levels it',
    async (deg) => {
      const skew = await estimateSkew(turnedPage(deg).image)
      expect(Math.abs(skew.degrees - deg)).toBeLessThanOrEqual(0.3)
      expect(needsLevelling(skew)).toBe(true)
    },
    30_000
  )

  it('leaves a level page, and ones turned by less than the smallest slope levelled, as they are', async () => {
    for (const deg of [0, 0.8, -3]) {
      const skew = await estimateSkew(turnedPage(deg).image)
      expect(Math.abs(skew.degrees - deg)).toBeLessThanOrEqual(0.3)
      expect(needsLevelling(skew)).toBe(false)
    }
  }, 30_000)

  // A pen lying across a level page, and an empty desk's grain and clutter: long, thin or few pieces of ink, which
  // must not be taken for the slope of the writing (an empty desk's pen levelled it by 10° before only
  // character-like pieces voted, each once).
  it('is not led by a pen lying across the page, nor by an empty desk', async () => {
    const { image } = turnedPage(0)
    const pen = { ...image, data: image.data.slice() }
    for (let x = 100; x < 1000; x++)
      for (let d = -4; d <= 4; d++) {
        const y = Math.round(700 + (x - 100) * Math.tan((9 * Math.PI) / 180)) + d
        if (y >= 0 && y < pen.height) pen.data[y * pen.width + x] = 20
      }
    const skew = await estimateSkew(pen)
    expect(Math.abs(skew.degrees)).toBeLessThanOrEqual(0.3)
    expect(needsLevelling(skew)).toBe(false)
    expect(needsLevelling(await estimateSkew(craftedPhoto(null, 0, 7).photo))).toBe(false)
  }, 30_000)

  it("measures the generated skewed pages' own angles to within 0.3°, their boxes on their ink", async () => {
    const { files, manifest } = await composePages({ seed: 5, conditions: ['skewed'], pagesPerCondition: 3 })
    for (const page of manifest.pages) {
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      const skew = await estimateSkew(img)
      expect(Math.abs(skew.degrees - page.skewDeg!), page.file).toBeLessThanOrEqual(0.3)
      // The truth's boxes, turned with the page, still hold their characters' ink.
      for (const [ch, x0, y0, x1, y1] of page.chars) {
        let min = 255
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) min = Math.min(min, img.data[y * img.width + x])
        expect(min, `${page.file} ${ch}`).toBeLessThan(128)
      }
    }
  }, 60_000)

  it('turns the whole page into the levelling sheet: its corners map onto a rectangle holding every pixel', () => {
    const image = turnedPage(0).image
    const sheet = levellingSheet(image, 6)
    const [tl, tr, , bl] = sheet.corners
    // The top side runs along the slope, the left one square to it.
    expect(Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * (180 / Math.PI)).toBeCloseTo(6, 6)
    expect((tr[0] - tl[0]) * (bl[0] - tl[0]) + (tr[1] - tl[1]) * (bl[1] - tl[1])).toBeCloseTo(0, 6)
    // Every corner of the image lies inside it.
    for (const [x, y] of [
      [0, 0],
      [image.width, 0],
      [image.width, image.height],
      [0, image.height]
    ]) {
      const u =
        ((x - tl[0]) * (tr[0] - tl[0]) + (y - tl[1]) * (tr[1] - tl[1])) / Math.hypot(tr[0] - tl[0], tr[1] - tl[1])
      const v =
        ((x - tl[0]) * (bl[0] - tl[0]) + (y - tl[1]) * (bl[1] - tl[1])) / Math.hypot(bl[0] - tl[0], bl[1] - tl[1])
      expect(u).toBeGreaterThanOrEqual(-1e-6)
      expect(v).toBeGreaterThanOrEqual(-1e-6)
      expect(u).toBeLessThanOrEqual(Math.hypot(tr[0] - tl[0], tr[1] - tl[1]) + 1e-6)
      expect(v).toBeLessThanOrEqual(Math.hypot(bl[0] - tl[0], bl[1] - tl[1]) + 1e-6)
    }
  })

  it('reads a page turned by 8° as it reads it level, every box drawn around its character in the file', async () => {
    const classifier = await loadClassifier()
    const level = await transcribe(turnedPage(0).image, classifier)
    const { image, centres } = turnedPage(8)
    const seg = await segmentScan(image)
    expect(seg.sheet).toBeDefined()
    // The levelled sheet's middle maps back to the page's middle.
    const [mx, my] = applyH(seg.sheet!.toImage, seg.sheet!.image.width / 2, seg.sheet!.image.height / 2)
    expect(Math.hypot(mx - image.width / 2, my - image.height / 2)).toBeLessThan(2)
    const turned = await transcribe(image, classifier)
    expect(assembleText(level.doc)).toBe(LINES.join('\n'))
    expect(assembleText(turned.doc)).toBe(LINES.join('\n'))
    expect(turned.doc.boxes).toHaveLength(centres.length)
    expectEachInABox(centres, turned.doc.boxes)
  }, 60_000)

  // Sideways and crooked: the slope is measured once the page is turned upright (a sideways page's lines run down
  // the page, so measured as it lies there is none), and the boxes go back through the levelling and the turn.
  it('reads a page turned by 8° and lying on its side as it reads it level, every box around its character', async () => {
    const classifier = await loadClassifier()
    const { image, centres } = turnedPage(8)
    const sideways = turnGray(image, 1)
    // A point (x, y) of the page is at (H − y, x) once the page is turned a quarter clockwise.
    const moved = centres.map(([x, y]): [number, number] => [image.height - y, x])
    // Turned upright, the page is levelled: what the reader segments has no slope left, and its middle is the page's.
    const upright = await turnSegmentation(sideways, await segmentScan(sideways), 3)
    expect(Math.abs((await estimateSkew(upright.sheet!.image)).degrees)).toBeLessThan(0.5)
    const [mx, my] = applyH(upright.sheet!.toImage, upright.sheet!.image.width / 2, upright.sheet!.image.height / 2)
    expect(Math.hypot(mx - sideways.width / 2, my - sideways.height / 2)).toBeLessThan(2)
    const read = await transcribe(sideways, classifier)
    expect(read.doc.image.turn).toBe(270)
    expect(assembleText(read.doc)).toBe(LINES.join('\n'))
    expect(read.doc.boxes).toHaveLength(moved.length)
    expectEachInABox(moved, read.doc.boxes)
  }, 60_000)
})
