// A glare's washed-out ink is stretched back; pale writing on unlit paper, light falling off across a page and
// white scans are not touched.
import { describe, expect, it } from 'vitest'
import { applyInkGain, unlitSurrounds, washedInkGain } from '../../../src/main/vision/glare.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { segmentPage } from '../../../src/main/vision/segment.ts'
import { segmentScan } from '../../../src/main/vision/sheet.ts'
import { composePages } from '../../../src/main/data/pages/index.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { canvasGray, pageAndCap } from '../helpers/grayImage.ts'

/** A flat image of `level`, with rectangles of `ink` (x, y, w, h) drawn on it. */
function flat(w: number, h: number, level: number, strokes: [number, number, number, number, number][] = []) {
  const data = new Uint8Array(w * h).fill(level)
  for (const [x0, y0, sw, sh, ink] of strokes)
    for (let y = y0; y < y0 + sh; y++) for (let x = x0; x < x0 + sw; x++) data[y * w + x] = ink
  return { width: w, height: h, data }
}

/** Blends every pixel towards white by `strength` × a Gaussian spot (the data generator's glare, on gray). */
function glare(img: GrayImage, cx: number, cy: number, rx: number, ry: number, strength: number): GrayImage {
  const data = new Uint8Array(img.data)
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const g = strength * Math.exp(-(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2))
      const i = y * img.width + x
      data[i] = Math.round(data[i] + g * (255 - data[i]))
    }
  return { ...img, data }
}

describe('washedInkGain', () => {
  // Strokes every 20 px on a 240 × 240 page: depth 200 (ink 55 in the normalised page) everywhere.
  const strokes: [number, number, number, number, number][] = []
  for (let y = 10; y < 240; y += 20) for (let x = 10; x < 240; x += 20) strokes.push([x, y, 3, 8, 55])
  const norm = flat(240, 240, 255, strokes)

  /** The strokes inside the middle square (60–179 both ways) set to `level`. */
  const washSquare = (level: number) => {
    const img = flat(240, 240, 255, strokes)
    for (let y = 60; y < 180; y++)
      for (let x = 60; x < 180; x++) if (img.data[y * 240 + x] < 255) img.data[y * 240 + x] = level
    return img
  }
  const MIDDLE = 3 * 12 + 3 // the square's top-left cell on a 12 × 12 grid

  it('stretches shallow ink where the paper is lit above the page, to 0.8 of the depth elsewhere', () => {
    // The background: paper 240, lit to 255 in the middle square; the ink there only 30 deep.
    const bg = flat(240, 240, 240, [[60, 60, 120, 120, 255]])
    const grid = washedInkGain(bg, washSquare(225), { cellsAcross: 12 })
    expect(grid).not.toBeNull()
    if (!grid) return
    expect(grid.cols).toBe(12)
    expect(grid.gain[MIDDLE]).toBeCloseTo((0.8 * 200) / 30, 5) // 160 / 30 ≈ 5.33
    expect(grid.gain[MIDDLE - 1]).toBe(1) // beside the square: unlit
    expect(grid.gain[0]).toBe(1)
  })

  it('caps the gain', () => {
    const bg = flat(240, 240, 240, [[60, 60, 120, 120, 255]])
    const grid = washedInkGain(bg, washSquare(240), { cellsAcross: 12, maxGain: 6 })
    expect(grid?.gain[MIDDLE]).toBe(6) // 160 / 15 would be 10.7
  })

  it('leaves pale writing on paper of the page’s own colour alone (a back showing through)', () => {
    const bg = flat(240, 240, 240)
    expect(washedInkGain(bg, washSquare(225), { cellsAcross: 12 })).toBeNull()
  })

  it('leaves a page alone where the lit side’s ink is as deep as elsewhere (light falling off, a shadow)', () => {
    const bg = flat(240, 240, 160, [[0, 0, 80, 240, 255]])
    expect(washedInkGain(bg, norm, { cellsAcross: 12, wholeSheet: true })).toBeNull()
  })

  it('leaves a hard shadow’s edge alone: the band the background leaves there is no washed-out ink', () => {
    // Shadowed paper (140) left of x = 150, lit paper (250) right of it: the step lies inside the cells of x
    // 140–159. Strokes on the shadowed side; on the lit side only the band along the edge (depth 40).
    const bg = flat(240, 240, 140, [[150, 0, 90, 240, 250]])
    const page = flat(
      240,
      240,
      255,
      strokes.filter(([x]) => x < 140)
    )
    for (let y = 0; y < 240; y++) for (let x = 148; x < 156; x++) page.data[y * 240 + x] = 215
    expect(washedInkGain(bg, page, { cellsAcross: 12, wholeSheet: true })).toBeNull()
    // Without the edge rule, the band's cells and the blank lit cells beside them would be stretched 160 / 40 = 4×.
    const grid = washedInkGain(bg, page, { cellsAcross: 12, stepLevels: 255, wholeSheet: true })
    expect(grid && Math.max(...grid.gain)).toBeCloseTo(4, 5)
  })

  it('leaves a page whose ink is pale everywhere alone (light pencil: a stroke’s end is no glare)', () => {
    const bg = flat(240, 240, 240, [[60, 60, 120, 120, 255]])
    const pale = washSquare(235)
    for (let i = 0; i < pale.data.length; i++) if (pale.data[i] === 55) pale.data[i] = 215
    expect(washedInkGain(bg, pale, { cellsAcross: 12 })).toBeNull() // target 0.8 × 40 = 32 < 64
    expect(washedInkGain(bg, pale, { cellsAcross: 12, minTarget: 0 })?.gain[MIDDLE]).toBeCloseTo(1.6, 5) // 32 / 20
  })

  it('leaves a light desk around the sheet alone, unless the image is one sheet', () => {
    // A lit frame 20 px wide around paper of 240, pale marks on it (a light table's grain), deep ink inside.
    const bg = flat(240, 240, 255, [[20, 20, 200, 200, 240]])
    const page = flat(
      240,
      240,
      255,
      strokes.filter(([x, y]) => x >= 20 && x < 220 && y >= 20 && y < 220)
    )
    for (const [x, y] of [
      [10, 10],
      [230, 100],
      [100, 230]
    ])
      page.data[y * 240 + x] = 225
    expect(washedInkGain(bg, page, { cellsAcross: 12 })).toBeNull()
    // Cut out of a photo, the same lit frame would be the sheet's own paper under a glare.
    expect(washedInkGain(bg, page, { cellsAcross: 12, wholeSheet: true })).not.toBeNull()
  })

  it('does nothing on a scan whose paper is white already', () => {
    const bg = flat(240, 240, 255)
    expect(washedInkGain(bg, washSquare(225), { cellsAcross: 12 })).toBeNull()
  })
})

describe('unlitSurrounds', () => {
  it('clears lit regions that reach two sides of the image and keeps the others', () => {
    // 6 × 4 cells: a spot inside (kept), a strip along the top reaching the right side (cleared), a patch on the
    // bottom edge only (kept).
    const lit = Uint8Array.from([
      ...[0, 0, 1, 1, 1, 1],
      ...[0, 0, 0, 0, 0, 1],
      ...[0, 1, 0, 0, 0, 0],
      ...[0, 0, 0, 1, 1, 0]
    ])
    expect(unlitSurrounds(lit, 6, 4)).toBe(true)
    expect(Array.from(lit)).toEqual([
      ...[0, 0, 0, 0, 0, 0],
      ...[0, 0, 0, 0, 0, 0],
      ...[0, 1, 0, 0, 0, 0],
      ...[0, 0, 0, 1, 1, 0]
    ])
  })

  it('says when nothing is left', () => {
    const lit = Uint8Array.from([1, 1, 1, 0])
    expect(unlitSurrounds(lit, 2, 2)).toBe(false)
    expect(Array.from(lit)).toEqual([0, 0, 0, 0])
  })
})

describe('applyInkGain', () => {
  it('multiplies depth below white by the gain, bilinearly between cell centres', () => {
    // Two cells side by side on a 4 × 1 image: gains 1 and 3. Centres at x = 1 and x = 3 (pixel centres 0.5 … 3.5).
    const img = { width: 4, height: 1, data: new Uint8Array([235, 235, 235, 235]) }
    applyInkGain(img, { cols: 2, rows: 1, gain: new Float32Array([1, 3]) })
    // x = 0: clamped to cell 0 (gain 1); x = 1: a quarter of the way (gain 1.5); x = 2: three quarters (2.5); x = 3: 3.
    expect(Array.from(img.data)).toEqual([235, 225, 205, 195])
  })

  it('clips at black', () => {
    const img = { width: 1, height: 1, data: new Uint8Array([100]) }
    applyInkGain(img, { cols: 1, rows: 1, gain: new Float32Array([6]) })
    expect(img.data[0]).toBe(0)
  })
})

describe('a page with a glare on it', () => {
  it('finds the letters in the washed-out spot as on the page without it', async () => {
    const W = 1200,
      HP = 700
    const { ctx, cap } = pageAndCap(W, HP, '56px "DejaVu Sans"')
    const lines = ['FOREST MARK SEVEN', 'WATER 4B HOUSE', 'PLAIN DOOR 2525', 'QUIET NORTH BRAVO']
    lines.forEach((t, i) => ctx.fillText(t, 80, 120 + i * 2.4 * cap))
    const page = canvasGray(ctx, W, HP)
    // Washed 85% towards white at its centre: ink 32 on paper 244 becomes 222 on 253 there.
    const lit = glare(page, 520, 300, 260, 180, 0.85)
    const plain = await segmentPage(page)
    const { boxes } = await segmentPage(lit)
    const letters = lines.join('').replaceAll(' ', '').length
    expect(plain.boxes).toHaveLength(letters)
    expect(boxes).toHaveLength(letters)
    // Without the stretch, the spot's letters are lost.
    const off = await segmentPage(lit, { restoreGlare: false })
    expect(off.boxes.length).toBeLessThan(letters - 2)
  })
})

describe('a phone photo with a glare on its sheet', () => {
  it('finds every character on the flattened sheet, the glare reaching two of its sides', async () => {
    // Page 2 of phone-glare seed 2: the spot over INDEX, and the light falling off lit the sheet's top-right corner
    // too, so the lit region reaches the sheet's top and right sides.
    const { files, manifest } = await composePages({ seed: 2, conditions: ['phone-glare'], pagesPerCondition: 2 })
    const page = manifest.pages[1]
    const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
    const read = await segmentScan(img)
    expect(read.sheet).toBeDefined()
    expect(read.boxes).toHaveLength(page.chars.length)
    const sheet = read.sheet!.image
    // Without the stretch, and with the sheet taken for a photo with a desk around it, letters are lost.
    expect((await segmentScan(img, { restoreGlare: false })).boxes.length).toBeLessThan(page.chars.length - 2)
    expect((await segmentPage(sheet, { closeBackground: true })).boxes.length).toBeLessThan(page.chars.length - 2)
  }, 60_000)
})
