import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { composePages, sha256, type PagesOptions } from '../../../src/main/data/pages/index.ts'
import { NistInk, RealDigitInk, breakStroke, thicken } from '../../../src/main/data/pages/glyphs.ts'
import { applyH, homography } from '../../../src/main/data/pages/photo.ts'
import { insideConvex } from '../../../src/main/vision/geometry.ts'
import { readGlyphFile } from '../../../src/main/data/glyphset.ts'
import { InvalidInputError } from '../../../src/main/core/errors.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { Rng } from '../../../src/main/nn/rng.ts'

const MINI = 'test/fixtures/nist26-mini/nist26_mini_valid.mat'

async function nistMini(skipPerClass: number): Promise<NonNullable<PagesOptions['nist']>> {
  return {
    glyphs: await readGlyphFile(MINI),
    name: 'nist26_mini_valid.mat',
    sha256: sha256(await readFile(MINI)),
    skipPerClass
  }
}

describe('data pages: composer', () => {
  it('gives byte-identical files for the same seed, different ones for another seed', async () => {
    const opts: PagesOptions = {
      seed: 7,
      conditions: ['touching', 'phone'],
      pagesPerCondition: 1,
      nist: await nistMini(1)
    }
    const a = await composePages(opts)
    const b = await composePages(opts)
    const c = await composePages({ ...opts, seed: 8, conditions: ['touching'] })
    expect(a.files.map((f) => f.name)).toEqual(['touching-01.png', 'touching-01.txt', 'phone-01.jpg', 'phone-01.txt'])
    for (let i = 0; i < a.files.length; i++) expect(sha256(a.files[i].bytes)).toBe(sha256(b.files[i].bytes))
    expect(JSON.stringify(a.manifest)).toBe(JSON.stringify(b.manifest))
    expect(sha256(a.files[0].bytes)).not.toBe(sha256(c.files[0].bytes))
  }, 60_000)

  it('draws a page the same way whichever other conditions are asked for', async () => {
    const alone = await composePages({ seed: 3, conditions: ['broken'], pagesPerCondition: 1 })
    const among = await composePages({ seed: 3, conditions: ['clean', 'broken'], pagesPerCondition: 1 })
    const page = among.files.find((f) => f.name === 'broken-01.png')!
    expect(sha256(page.bytes)).toBe(sha256(alone.files[0].bytes))
  }, 60_000)

  it('writes ground truth that matches its boxes, inside the image, and images the loader reads', async () => {
    const { files, manifest } = await composePages({
      seed: 2,
      conditions: ['clean', 'ruled', 'mixed', 'phone'],
      pagesPerCondition: 1,
      nist: await nistMini(1)
    })
    for (const page of manifest.pages) {
      const txt = files.find((f) => f.name === page.text)!.bytes.toString('utf8')
      expect(txt.trimEnd().split('\n')).toEqual(page.lines)
      const letters = page.lines.join('').replace(/ /g, '')
      expect(page.chars.map((c) => c[0]).join('')).toBe(letters)
      expect(letters).toMatch(/^[A-Z0-9]+$/)
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      expect([img.width, img.height]).toEqual([page.width, page.height])
      for (const [, x0, y0, x1, y1] of page.chars) {
        expect(x0).toBeGreaterThanOrEqual(0)
        expect(y0).toBeGreaterThanOrEqual(0)
        expect(x1).toBeLessThanOrEqual(page.width)
        expect(y1).toBeLessThanOrEqual(page.height)
        expect(x1).toBeGreaterThan(x0)
        expect(y1).toBeGreaterThan(y0)
      }
      // Ink is where the boxes say: the darkest pixel inside each box is far darker than the paper.
      if (page.condition === 'clean') {
        for (const [, x0, y0, x1, y1] of page.chars) {
          let min = 255
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) min = Math.min(min, img.data[y * img.width + x])
          expect(min).toBeLessThan(128)
        }
      }
    }
    const phone = manifest.pages.find((p) => p.condition === 'phone')!
    expect(phone.sheet).toHaveLength(4)
    // Every character box lies inside the sheet's bounding box.
    const xs = phone.sheet!.map((p) => p[0]),
      ys = phone.sheet!.map((p) => p[1])
    for (const [, x0, y0, x1, y1] of phone.chars) {
      expect(x0).toBeGreaterThanOrEqual(Math.floor(Math.min(...xs)))
      expect(x1).toBeLessThanOrEqual(Math.ceil(Math.max(...xs)))
      expect(y0).toBeGreaterThanOrEqual(Math.floor(Math.min(...ys)))
      expect(y1).toBeLessThanOrEqual(Math.ceil(Math.max(...ys)))
    }
  }, 120_000)

  it('writes light-desk pages: the sheet on a surface nearly as bright as the paper or brighter, unlike a wooden desk', async () => {
    const { files, manifest } = await composePages({
      seed: 2,
      conditions: ['phone', 'light-desk'],
      pagesPerCondition: 3
    })
    const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1]
    for (const page of manifest.pages) {
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      // The sheet's middle (its polygon shrunk by a tenth) against the surface beyond it (grown by a tenth).
      const q = page.sheet!
      const cx = q.reduce((a, p) => a + p[0], 0) / 4,
        cy = q.reduce((a, p) => a + p[1], 0) / 4
      const scaled = (k: number) => q.map(([x, y]): [number, number] => [cx + (x - cx) * k, cy + (y - cy) * k])
      const [inner, outer] = [scaled(0.9), scaled(1.1)]
      const sheet: number[] = [],
        surface: number[] = []
      for (let y = 0; y < img.height; y += 3)
        for (let x = 0; x < img.width; x += 3)
          if (insideConvex(inner, x, y)) sheet.push(img.data[y * img.width + x])
          else if (!insideConvex(outer, x, y)) surface.push(img.data[y * img.width + x])
      const ratio = median(surface) / median(sheet)
      if (page.condition === 'light-desk') expect(ratio, `${page.file} (${page.desk})`).toBeGreaterThan(0.85)
      else expect(ratio, `${page.file} (${page.desk})`).toBeLessThan(0.85)
    }
  }, 120_000)

  it("writes boxed pages as a form's comb fields: one letter per printed cell, a cell left empty between words", async () => {
    const { files, manifest } = await composePages({ seed: 6, conditions: ['boxed'], pagesPerCondition: 2 })
    let walls = 0,
      tall = 0
    for (const page of manifest.pages) {
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      const dark = (x: number, y: number) => img.data[Math.round(y) * img.width + Math.round(x)] < 200
      let k = 0
      for (const line of page.lines) {
        const chars = page.chars.slice(k, k + line.replace(/ /g, '').length)
        k += chars.length
        const centres = chars.map((c) => (c[1] + c[3]) / 2)
        // Letters one cell apart, a word's first letter two cells after the last letter of the word before.
        const steps = centres.slice(1).map((c, i) => c - centres[i])
        const cell = Math.min(...steps)
        const words = line.split(' ')
        let i = 0
        for (const word of words.slice(0, -1)) {
          i += word.length
          expect(steps[i - 1] / cell, `${page.file}: gap after ${word}`).toBeGreaterThan(1.6)
        }
        // Between two letters of a word a printed wall runs from above the letters' tops to below their feet.
        for (let j = 1; j < chars.length; j++) {
          if (steps[j - 1] > 1.6 * cell) continue
          const [a, b] = [chars[j - 1], chars[j]]
          // The cell's edge, within a quarter of a cap height of the midpoint (each letter sits off its cell's
          // centre by a tenth of one, give or take).
          const mid = (centres[j - 1] + centres[j]) / 2
          let longest = 0
          for (let x = Math.round(mid - page.capHeight / 4); x <= mid + page.capHeight / 4; x++) {
            let run = 0
            for (let y = Math.min(a[2], b[2]) - page.capHeight; y < Math.max(a[4], b[4]) + page.capHeight; y++) {
              run = dark(x, y) ? run + 1 : 0
              longest = Math.max(longest, run)
            }
          }
          walls++
          if (longest >= 1.2 * page.capHeight) tall++
        }
      }
    }
    // Walls a letter overlaps (a wide one written into its neighbour's cell) are cut; nearly all stand whole.
    expect(walls).toBeGreaterThan(100)
    expect(tall / walls).toBeGreaterThan(0.9)
  }, 60_000)

  it("draws faint pages as JPEG whose ink is far lighter than a clean page's, with the same kind of truth", async () => {
    const { files, manifest } = await composePages({ seed: 3, conditions: ['clean', 'faint'], pagesPerCondition: 1 })
    const darkest = async (name: string): Promise<number> => {
      const img = await loadImage(files.find((f) => f.name === name)!.bytes, { name })
      const sorted = Uint8Array.from(img.data).sort()
      return sorted[Math.floor(sorted.length * 0.002)] // the ink's dark core, ignoring a few noise pixels
    }
    const [clean, faint] = manifest.pages
    expect(faint.file).toBe('faint-01.jpg')
    expect(faint.lines.join('').length).toBeGreaterThan(40)
    // The clean page's ink core is near black; the faint page keeps at most 35% of its contrast with 248 paper
    // (plus noise and JPEG), so its core stays above 248 − 0.35 · 248 − 15 ≈ 146.
    expect(await darkest(clean.file)).toBeLessThan(60)
    expect(await darkest(faint.file)).toBeGreaterThan(140)
  }, 60_000)

  it('shrinks small pages, their boxes with them, and records what each was drawn as', async () => {
    const { files, manifest } = await composePages({ seed: 5, conditions: ['small'], pagesPerCondition: 2 })
    for (const page of manifest.pages) {
      expect(['clean', 'touching', 'broken', 'tight-spacing', 'uneven-spacing']).toContain(page.drawnAs)
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      expect([img.width, img.height]).toEqual([page.width, page.height])
      // 28–42% of a 1400-px sheet, cap heights of 40–58 px shrunk alike.
      expect(page.width).toBeGreaterThanOrEqual(Math.round(1400 * 0.28))
      expect(page.width).toBeLessThanOrEqual(Math.round(1400 * 0.42))
      expect(page.capHeight).toBeGreaterThanOrEqual(40 * 0.28 - 0.01)
      expect(page.capHeight).toBeLessThanOrEqual(58 * 0.42 + 0.01)
      for (const c of page.chars) {
        expect(c[3]).toBeLessThanOrEqual(page.width + 0.01)
        expect(c[4]).toBeLessThanOrEqual(page.height + 0.01)
      }
    }
  }, 60_000)

  it('writes dense pages with lines 1.25–1.6 cap heights apart (a clean page: 1.9–2.3)', async () => {
    const { manifest } = await composePages({ seed: 9, conditions: ['dense', 'clean'], pagesPerCondition: 2 })
    for (const page of manifest.pages) {
      // Each line's median character foot; the steps between them are the line pitch, give or take the writing's
      // own wobble (a jitter of 2.5% of a cap height per letter, a slope of ±0.6% across the line).
      let k = 0
      const feet = page.lines.map((line) => {
        const n = line.replace(/ /g, '').length
        const ys = page.chars
          .slice(k, (k += n))
          .map((c) => c[4])
          .sort((a, b) => a - b)
        return ys[ys.length >> 1]
      })
      const steps = feet.slice(1).map((f, i) => (f - feet[i]) / page.capHeight)
      const [lo, hi] = page.condition === 'dense' ? [1.25, 1.6] : [1.9, 2.3]
      for (const s of steps) {
        expect(s, page.file).toBeGreaterThan(lo - 0.15)
        expect(s, page.file).toBeLessThan(hi + 0.15)
      }
    }
  }, 60_000)

  it('writes heading pages whose first line is 1.6–3.5 times as tall as the lines below it, all inside the page', async () => {
    const { manifest } = await composePages({ seed: 10, conditions: ['heading'], pagesPerCondition: 4 })
    for (const page of manifest.pages) {
      const scale = page.headingScale!
      expect(scale).toBeGreaterThanOrEqual(1.6)
      expect(scale).toBeLessThanOrEqual(3.5)
      const n = page.lines[0].replace(/ /g, '').length
      const tall = (cs: typeof page.chars) => {
        const hs = cs.map((c) => c[4] - c[2]).sort((a, b) => a - b)
        return hs[hs.length >> 1]
      }
      // Median glyph heights, heading against body: the scale give or take the glyphs' own spread.
      const ratio = tall(page.chars.slice(0, n)) / tall(page.chars.slice(n))
      expect(ratio, page.file).toBeGreaterThan(0.75 * scale)
      expect(ratio, page.file).toBeLessThan(1.3 * scale)
      // The heading's foot above every letter of the next line.
      const headFoot = Math.max(...page.chars.slice(0, n).map((c) => c[4]))
      expect(Math.min(...page.chars.slice(n).map((c) => c[2])), page.file).toBeGreaterThan(headFoot)
      for (const c of page.chars) {
        expect(c[1]).toBeGreaterThanOrEqual(0)
        expect(c[2]).toBeGreaterThanOrEqual(0)
        expect(c[3]).toBeLessThanOrEqual(page.width)
        expect(c[4]).toBeLessThanOrEqual(page.height)
      }
    }
  }, 60_000)

  it('rules grid pages as graph paper: a line down the page every square, squares 0.5–1.3 cap heights', async () => {
    const { files, manifest } = await composePages({ seed: 12, conditions: ['grid'], pagesPerCondition: 4 })
    const onLines = new Set<boolean>()
    for (const page of manifest.pages) {
      const { square, onLines: on } = page.grid!
      onLines.add(on)
      expect(square / page.capHeight).toBeGreaterThanOrEqual(0.5 - 1e-6)
      expect(square / page.capHeight).toBeLessThanOrEqual(1.3 + 1e-6)
      // Columns darker than the paper over most of their length: the grid's vertical lines (ink covers little of a
      // column), at least one per square across the page.
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      let lines = 0
      for (let x = 0, prev = false; x < img.width; x++) {
        let dark = 0
        for (let y = 0; y < img.height; y++) if (img.data[y * img.width + x] < 235) dark++
        const isLine = dark > 0.8 * img.height
        if (isLine && !prev) lines++
        prev = isLine
      }
      expect(lines, page.file).toBeGreaterThanOrEqual(Math.floor(img.width / square) - 1)
      expect(lines, page.file).toBeLessThanOrEqual(Math.ceil(img.width / square) + 1)
    }
    // Both kinds of page among four (seed 12): writing on the lines, and writing across them.
    expect(onLines.size).toBe(2)
  }, 60_000)

  it('washes glare pages towards white in a spot: ink at its centre far paler than ink far from it', async () => {
    const { files, manifest } = await composePages({ seed: 13, conditions: ['glare'], pagesPerCondition: 3 })
    for (const page of manifest.pages) {
      const { x, y, strength } = page.glare!
      expect(strength).toBeGreaterThanOrEqual(0.55)
      expect(strength).toBeLessThanOrEqual(0.85)
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      // The darkest pixel of each character's box: the ink's level there.
      const inkOf = (c: (typeof page.chars)[number]) => {
        let m = 255
        for (let yy = Math.ceil(c[2]); yy < Math.floor(c[4]); yy++)
          for (let xx = Math.ceil(c[1]); xx < Math.floor(c[3]); xx++) m = Math.min(m, img.data[yy * img.width + xx])
        return m
      }
      const dist = (c: (typeof page.chars)[number]) => Math.hypot((c[1] + c[3]) / 2 - x, (c[2] + c[4]) / 2 - y)
      const byDist = [...page.chars].sort((a, b) => dist(a) - dist(b))
      const near = inkOf(byDist[0]),
        far = inkOf(byDist[byDist.length - 1])
      // Ink of 15–80 washed by the spot's strength at its centre (less the character's way from it).
      expect(near, page.file).toBeGreaterThan(far + 60)
    }
  }, 60_000)

  it('puts a phone-glare page’s spot on its sheet and washes the sheet towards white there', async () => {
    const { files, manifest } = await composePages({ seed: 13, conditions: ['phone-glare'], pagesPerCondition: 2 })
    for (const page of manifest.pages) {
      const { x, y, strength } = page.glare!
      expect(strength).toBeGreaterThanOrEqual(0.55)
      expect(strength).toBeLessThanOrEqual(0.85)
      const corners = page.sheet!
      const xs = corners.map((c) => c[0]),
        ys = corners.map((c) => c[1])
      // Its middle in the middle 40% of the sheet's box.
      const bw = Math.max(...xs) - Math.min(...xs),
        bh = Math.max(...ys) - Math.min(...ys)
      expect(x).toBeGreaterThanOrEqual(Math.min(...xs) + 0.3 * bw - 1)
      expect(x).toBeLessThanOrEqual(Math.min(...xs) + 0.7 * bw + 1)
      expect(y).toBeGreaterThanOrEqual(Math.min(...ys) + 0.3 * bh - 1)
      expect(y).toBeLessThanOrEqual(Math.min(...ys) + 0.7 * bh + 1)
      // The paper at the spot's centre is brighter than the paper a quarter of the sheet away from it: the median of
      // a 41×41 patch (ink is a few percent of it).
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      const paperAt = (cx: number, cy: number) => {
        const v: number[] = []
        for (let yy = Math.round(cy) - 20; yy <= Math.round(cy) + 20; yy++)
          for (let xx = Math.round(cx) - 20; xx <= Math.round(cx) + 20; xx++) v.push(img.data[yy * img.width + xx])
        return v.sort((a, b) => a - b)[v.length >> 1]
      }
      const away = x < Math.min(...xs) + bw / 2 ? x + bw / 4 : x - bw / 4
      expect(paperAt(x, y), page.file).toBeGreaterThan(paperAt(away, y) + 5)
    }
  }, 60_000)

  it('punches scan-marks pages in a margin left of the writing, one dark hole for each the manifest names', async () => {
    const { files, manifest } = await composePages({ seed: 8, conditions: ['scan-marks'], pagesPerCondition: 4 })
    const seen = new Set<string>()
    for (const page of manifest.pages) {
      expect(['clean', 'touching', 'broken', 'tight-spacing', 'uneven-spacing']).toContain(page.drawnAs)
      const holes = Number(/^holes:(\d)$/.exec(page.marks!.find((m) => m.startsWith('holes:'))!)![1])
      expect(holes).toBeGreaterThanOrEqual(2)
      expect(holes).toBeLessThanOrEqual(4)
      for (const m of page.marks!) seen.add(m.replace(/:\d$/, ''))
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      expect([img.width, img.height]).toEqual([page.width, page.height])
      // Left of the first character, some column crosses exactly `holes` dark runs at least 0.8 cap heights long
      // (a staple is a thin slanted bar: its runs down a column are short).
      const margin = Math.min(...page.chars.map((c) => c[1]))
      expect(margin).toBeGreaterThan(2.2 * page.capHeight)
      let most = 0
      for (let x = 0; x < margin - 1; x++) {
        let runs = 0,
          run = 0
        for (let y = 0; y <= img.height; y++) {
          if (y < img.height && img.data[y * img.width + x] < 100) run++
          else {
            if (run >= 0.8 * page.capHeight) runs++
            run = 0
          }
        }
        most = Math.max(most, runs)
      }
      expect(most, page.file).toBe(holes)
    }
    expect(seen.has('holes')).toBe(true)
  }, 60_000)

  it('casts phone-shadow pages a hard shadow across the sheet, at the recorded depth', async () => {
    const { files, manifest } = await composePages({ seed: 4, conditions: ['phone-shadow'], pagesPerCondition: 2 })
    for (const page of manifest.pages) {
      const sh = page.shadow!
      expect(sh.dark).toBeGreaterThanOrEqual(0.45)
      expect(sh.dark).toBeLessThanOrEqual(0.75)
      const side = (x: number, y: number) => (x - sh.cx) * sh.nx + (y - sh.cy) * sh.ny
      // The edge crosses the sheet: its corners lie on both sides.
      const sides = page.sheet!.map(([x, y]) => Math.sign(side(x, y)))
      expect(sides).toContain(1)
      expect(sides).toContain(-1)
      // The paper's median level in the shade over the lit one, away from the edge and the writing's lines (the
      // sheet's margins are blank), is the depth, give or take the light falloff and the JPEG.
      const img = await loadImage(files.find((f) => f.name === page.file)!.bytes, { name: page.file })
      const lit: number[] = [],
        shade: number[] = []
      for (let y = 0; y < img.height; y += 3)
        for (let x = 0; x < img.width; x += 3) {
          if (
            !insideConvex(page.sheet!, x, y) ||
            page.chars.some((c) => x >= c[1] - 10 && x < c[3] + 10 && y >= c[2] - 10 && y < c[4] + 10)
          )
            continue
          const d = side(x, y)
          if (Math.abs(d) < 30) continue
          ;(d > 0 ? shade : lit).push(img.data[y * img.width + x])
        }
      const med = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]
      expect(Math.min(lit.length, shade.length)).toBeGreaterThan(100)
      expect(med(shade) / med(lit)).toBeGreaterThan(sh.dark - 0.12)
      expect(med(shade) / med(lit)).toBeLessThan(sh.dark + 0.12)
    }
  }, 60_000)

  it('gives the no-text condition empty ground truth: an empty desk, then a blank sheet', async () => {
    const { files, manifest } = await composePages({ seed: 1, conditions: ['no-text'], pagesPerCondition: 2 })
    expect(manifest.pages.map((p) => p.lines)).toEqual([[], []])
    expect(manifest.pages[0].sheet).toBeUndefined()
    expect(manifest.pages[1].sheet).toHaveLength(4)
    expect(files.filter((f) => f.name.endsWith('.txt')).map((f) => f.bytes.length)).toEqual([0, 0])
  }, 60_000)
})

describe('data pages: sources', () => {
  /** A NIST36-layout set of 21 glyphs: a letter A, then two of each digit (a bar whose column says which glyph it is). */
  function digitsFile(): NonNullable<PagesOptions['digits']> {
    const n = 21
    const x = new Float32Array(n * 1024).fill(1)
    const y = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      y[i] = i === 0 ? 0 : 26 + ((i - 1) >> 1)
      for (let r = 4; r < 28; r++) for (let c = 8 + (i % 12); c < 12 + (i % 12); c++) x[i * 1024 + r * 32 + c] = 0
    }
    return { glyphs: { x, y, n }, name: 'digits.mat', sha256: 'ab' }
  }

  it('draws handwritten digits from --digits on the NIST pages only, and records the file', async () => {
    const d = digitsFile()
    const ink = new RealDigitInk(d.glyphs.x, d.glyphs.y, d.glyphs.n)
    // Every digit of the file, never its letter.
    expect(ink.pool.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(ink.has('A')).toBe(false)
    expect(ink.has('7')).toBe(true)
    const opts: PagesOptions = {
      seed: 5,
      conditions: ['clean', 'mixed'],
      pagesPerCondition: 3,
      nist: await nistMini(1)
    }
    const plain = await composePages(opts)
    const withDigits = await composePages({ ...opts, digits: d })
    expect(plain.manifest.sources.digits).toBeUndefined()
    expect(withDigits.manifest.sources.digits).toMatchObject({ file: 'digits.mat', sha256: 'ab', usable: 20 })
    const table = withDigits.manifest.sources.table
    let handDigits = 0
    for (const page of withDigits.manifest.pages)
      for (const [ch, , , , , src] of page.chars) {
        const source = table[src]
        if (source.startsWith('digits#')) {
          handDigits++
          // The glyph drawn is a glyph of that very digit in the file.
          expect(d.glyphs.y[Number(source.slice(7))]).toBe(26 + Number(ch))
        }
        // A font page keeps its font's digits.
        if (/\d/.test(ch) && !page.chars.some((c) => table[c[5]].startsWith('nist26#')))
          expect(source.startsWith('digits#')).toBe(false)
      }
    expect(handDigits).toBeGreaterThan(0)
    // Pages with no NIST glyph come out exactly as without --digits.
    let compared = 0
    for (const page of plain.manifest.pages) {
      if (page.chars.some((c) => plain.manifest.sources.table[c[5]].startsWith('nist26#'))) continue
      const a = plain.files.find((f) => f.name === page.file)!
      const b = withDigits.files.find((f) => f.name === page.file)!
      expect(sha256(b.bytes)).toBe(sha256(a.bytes))
      compared++
    }
    expect(compared).toBeGreaterThan(0)
  }, 60_000)

  it('refuses --digits on training pages, without NIST letters, or from a file with no digit', async () => {
    const d = digitsFile()
    await expect(
      composePages({
        conditions: ['clean'],
        pagesPerCondition: 1,
        nist: await nistMini(1),
        digits: d,
        glyphs: 'training'
      })
    ).rejects.toThrow(/cannot be used with --glyphs training/)
    await expect(composePages({ conditions: ['clean'], pagesPerCondition: 1, digits: d })).rejects.toThrow(
      /give --nist too/
    )
    const lettersOnly = { ...d, glyphs: { ...d.glyphs, n: 1 } }
    await expect(
      composePages({ conditions: ['clean'], pagesPerCondition: 1, nist: await nistMini(1), digits: lettersOnly })
    ).rejects.toThrow(/holds no digit/)
    // A person's bad file, not Glyphdesk's fault: the CLI reports it as bad input, not as an internal error.
    await expect(
      composePages({ conditions: ['clean'], pagesPerCondition: 1, nist: await nistMini(1), digits: lettersOnly })
    ).rejects.toBeInstanceOf(InvalidInputError)
  }, 60_000)

  it('never draws the NIST glyphs the models trained on (the first k of each class)', async () => {
    const g = await readGlyphFile(MINI)
    const ink = new NistInk(g.x, g.y, g.n, 2)
    const firstTwo = new Set<number>()
    const seen = new Array<number>(26).fill(0)
    for (let i = 0; i < g.n; i++) if (seen[g.y[i]]++ < 2) firstTwo.add(i)
    const pooled = ink.pool.flat()
    expect(pooled.length).toBe(g.n - firstTwo.size)
    for (const i of pooled) expect(firstTwo.has(i)).toBe(false)
    const { manifest } = await composePages({
      seed: 4,
      conditions: ['clean'],
      pagesPerCondition: 3,
      nist: await nistMini(2)
    })
    const used = manifest.sources.table.filter((s) => s.startsWith('nist26#')).map((s) => Number(s.slice(7)))
    expect(used.length).toBeGreaterThan(0)
    for (const i of used) expect(firstTwo.has(i)).toBe(false)
    expect(manifest.sources.nist).toMatchObject({ file: 'nist26_mini_valid.mat', skipPerClass: 2 })
  }, 60_000)

  it('draws training pages only from training material: training fonts, and exactly the first k NIST letters', async () => {
    const g = await readGlyphFile(MINI)
    const firstTwo = new Set<number>()
    const seen = new Array<number>(26).fill(0)
    for (let i = 0; i < g.n; i++) if (seen[g.y[i]]++ < 2) firstTwo.add(i)
    const { manifest } = await composePages({
      seed: 4,
      conditions: ['clean', 'touching'],
      pagesPerCondition: 3,
      nist: await nistMini(2),
      glyphs: 'training'
    })
    expect(manifest.name).toBe('glyphdesk-training-pages')
    expect(manifest.sources.glyphs).toBe('training')
    const families = new Set(manifest.sources.fonts.map((f) => f.family))
    expect(families.has('Humor Sans')).toBe(false)
    expect(families.has('Comic Neue')).toBe(false)
    expect(families.size).toBeGreaterThan(2)
    const used = manifest.sources.table.filter((s) => s.startsWith('nist26#')).map((s) => Number(s.slice(7)))
    expect(used.length).toBeGreaterThan(0)
    for (const i of used) expect(firstTwo.has(i)).toBe(true)
    for (const s of manifest.sources.table) expect(s).not.toMatch(/Humor Sans|Comic Neue/)
  }, 60_000)

  it('breaks a stroke by erasing a band of ink', () => {
    const w = 30,
      h = 40
    const ink = new Float32Array(w * h)
    for (let y = 0; y < h; y++) for (let x = 12; x < 18; x++) ink[y * w + x] = 1 // a vertical bar, like an I
    const g = { w, h, ink, baseline: h, source: 'test' }
    const share = breakStroke(g, 5, new Rng(1))
    expect(share).toBeGreaterThan(0.04)
    // The bar is now in two 4-connected pieces, both with ink.
    expect(pieces(ink, w, h)).toBe(2)
  })

  it('thickens a stroke by a disk: a 2-px bar 2r wider, on a bitmap grown by r each way, its baseline with it', () => {
    const w = 20,
      h = 30
    const ink = new Float32Array(w * h)
    for (let y = 5; y < 25; y++) for (let x = 9; x < 11; x++) ink[y * w + x] = 1
    const g = thicken({ w, h, ink, baseline: 25, source: 'test' }, 3)
    expect([g.w, g.h, g.baseline]).toEqual([26, 36, 28])
    // Its middle row: ink from column 9 − 3 to 10 + 3 of the old bitmap (+3 for the growth), paper beside it.
    const row = Array.from(g.ink.subarray(18 * g.w, 19 * g.w))
    expect(row.map((v, x) => (v > 0 ? x : -1)).filter((x) => x >= 0)).toEqual([9, 10, 11, 12, 13, 14, 15, 16])
    // Its ends round: the bar's top row (old 5, new 8) reaches up to new row 5 in its own columns only.
    expect(g.ink[5 * g.w + 12]).toBe(1)
    expect(g.ink[5 * g.w + 9]).toBe(0)
  })

  it('draws marker pages: strokes widened by 5–11% of the cap height, recorded in the manifest', async () => {
    const { manifest: thick } = await composePages({ seed: 11, conditions: ['marker'], pagesPerCondition: 2 })
    const { manifest: clean } = await composePages({ seed: 11, conditions: ['clean'], pagesPerCondition: 2 })
    for (const page of thick.pages) {
      expect(page.markerWidth! / page.capHeight).toBeGreaterThanOrEqual(0.049)
      expect(page.markerWidth! / page.capHeight).toBeLessThanOrEqual(0.111)
    }
    expect(clean.pages.every((p) => p.markerWidth === undefined)).toBe(true)
  }, 60_000)

  it('solves the homography of four point pairs', () => {
    const src: [number, number][] = [
      [0, 0],
      [100, 0],
      [100, 50],
      [0, 50]
    ]
    const dst: [number, number][] = [
      [10, 20],
      [115, 25],
      [110, 80],
      [5, 70]
    ]
    const H = homography(src, dst)
    for (let i = 0; i < 4; i++) {
      const [u, v] = applyH(H, src[i][0], src[i][1])
      expect(u).toBeCloseTo(dst[i][0], 6)
      expect(v).toBeCloseTo(dst[i][1], 6)
    }
  })
})

function pieces(ink: Float32Array, w: number, h: number): number {
  const seen = new Uint8Array(w * h)
  let n = 0
  for (let i = 0; i < w * h; i++) {
    if (ink[i] <= 0.5 || seen[i]) continue
    n++
    const stack = [i]
    seen[i] = 1
    while (stack.length) {
      const j = stack.pop()!
      const x = j % w,
        y = (j / w) | 0
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1]
      ]) {
        const xx = x + dx,
          yy = y + dy
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue
        const k = yy * w + xx
        if (ink[k] > 0.5 && !seen[k]) {
          seen[k] = 1
          stack.push(k)
        }
      }
    }
  }
  return n
}
