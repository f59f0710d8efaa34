// `glyphdesk data import emnist`: EMNIST idx files become a NIST36-layout glyph set that every
// trainer reads. Built on small idx files written here, with a distinct image per glyph so each
// imported glyph can be traced back to its source image and label.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { crc32, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASSES, GLYPH_PIXELS } from '../../../src/shared/classes.ts'
import { emnistLabelMap, IdxFormatError, readEmnistDir } from '../../../src/main/data/emnist.ts'
import { readGlyphSet } from '../../../src/main/data/glyphset.ts'
import { importEmnist } from '../../../src/main/data/importEmnist.ts'
import { glyphInkBox } from '../helpers/glyphInk.ts'

const root = resolve(__dirname, '..', '..', '..')
let work: string
let src: string

/** An idx file of unsigned bytes: magic 0x00 0x00 0x08 <ndims>, big-endian dims, data. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt8(0x08, 2)
  head.writeUInt8(dims.length, 3)
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([head, Buffer.from(data)])
}

/** Balanced-split idx files: `per` images of each of the 47 labels; image k has its own pixel pattern. */
function writeSplit(dir: string, part: 'train' | 'test', per: number, gz: boolean): void {
  const labels: number[] = []
  for (let l = 0; l < 47; l++) for (let k = 0; k < per; k++) labels.push(l)
  const n = labels.length
  const images = new Uint8Array(n * 784)
  for (let i = 0; i < n; i++) {
    const salt = part === 'train' ? 0 : 101
    // A filled block whose place and size depend on the image: distinct, and with real ink for framing.
    const r0 = 3 + ((i + salt) % 9),
      c0 = 3 + (Math.floor((i + salt) / 9) % 9),
      h = 8 + (i % 5),
      w = 6 + ((i * 7) % 7)
    for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) images[i * 784 + c * 28 + r] = 255
    images[i * 784 + 27 * 28 + 27] = (i * 37 + salt) % 256 // a per-image marker in the corner
  }
  const write = (name: string, b: Buffer) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b)
  write(`emnist-balanced-${part}-images-idx3-ubyte`, idx([n, 28, 28], images))
  write(`emnist-balanced-${part}-labels-idx1-ubyte`, idx([n], Uint8Array.from(labels)))
}

/** A zip of stored (uncompressed) entries, like NIST's gzip.zip in miniature. */
function storedZip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [],
    centrals: Buffer[] = []
  let offset = 0
  for (const { name, data } of entries) {
    const n = Buffer.from(name),
      crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(n.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(n.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, n, data)
    centrals.push(central, n)
    offset += 30 + n.length + data.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)
const hash = (x: Float32Array, i: number) =>
  createHash('sha1')
    .update(Buffer.from(x.buffer, x.byteOffset + i * GLYPH_PIXELS * 4, GLYPH_PIXELS * 4))
    .digest('hex')

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'glyphdesk-emnist-'))
  src = join(work, 'fetched')
  mkdirSync(join(src, 'gzip'), { recursive: true })
  writeSplit(join(src, 'gzip'), 'train', 10, true)
  writeSplit(join(src, 'gzip'), 'test', 3, false)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('importEmnist', () => {
  it('writes train/valid/test with every glyph traceable to its EMNIST image and mapped label', async () => {
    const out = join(work, 'pad')
    const m = await importEmnist(src, out, { split: 'balanced', framing: 'pad', seed: 5, validShare: 0.2 })
    // 36 of 47 balanced classes are Glyphdesk's; 10 train images each → 2 valid + 8 train; test 3 each.
    expect(m.counts).toEqual({ train: 36 * 8, valid: 36 * 2, test: 36 * 3 })
    expect(m.classesPresent).toEqual(CLASSES)
    expect(m.source.droppedClasses).toBe(11 * 10 + 11 * 3)
    const set = await readGlyphSet(out)
    const sourceTrain = await readEmnistDir(join(src, 'gzip'), 'balanced', 'train')
    const sourceTest = await readEmnistDir(join(src, 'gzip'), 'balanced', 'test')
    const labelOf = (g: typeof sourceTrain) => new Map(Array.from({ length: g.n }, (_, i) => [hash(g.x, i), g.y[i]]))
    const trainLabels = labelOf(sourceTrain),
      testLabels = labelOf(sourceTest)
    const seen = new Set<string>()
    for (const [split, labels] of [
      ['train', trainLabels],
      ['valid', trainLabels],
      ['test', testLabels]
    ] as const) {
      const g = set[split]
      for (let i = 0; i < g.n; i++) {
        const h = hash(g.x, i)
        expect(labels.get(h), `${split} glyph ${i} comes from EMNIST ${split === 'test' ? 'test' : 'train'}`).toBe(
          g.y[i]
        )
        expect(seen.has(h), 'no glyph is in two splits').toBe(false)
        seen.add(h)
      }
    }
    // Labels went through the balanced map: EMNIST label 10 is 'A', label 0 is '0'.
    expect(emnistLabelMap('balanced')[10]).toBe(CLASSES.indexOf('A'))
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({
      kind: 'imported',
      seed: 5,
      framing: 'pad',
      counts: m.counts
    })
  })

  it('is reproducible from its seed, and another seed picks another valid split', async () => {
    const a = join(work, 'a'),
      b = join(work, 'b'),
      c = join(work, 'c')
    await importEmnist(src, a, { split: 'balanced', seed: 3, perClass: 6 })
    await importEmnist(src, b, { split: 'balanced', seed: 3, perClass: 6 })
    await importEmnist(src, c, { split: 'balanced', seed: 4, perClass: 6 })
    // Same glyphs and labels (the .mat header carries the write time, so bytes are compared per variable).
    const [set, again, other] = await Promise.all([readGlyphSet(a), readGlyphSet(b), readGlyphSet(c)])
    for (const split of ['train', 'valid', 'test'] as const) {
      expect(bytes(set[split].x).equals(bytes(again[split].x)), split).toBe(true)
      expect(Array.from(set[split].y)).toEqual(Array.from(again[split].y))
    }
    expect(bytes(set.valid.x).equals(bytes(other.valid.x))).toBe(false)
    // --per-class 6: train 6, valid and test ⌈6/3⌉ = 2 per class.
    expect([set.train.n, set.valid.n, set.test.n]).toEqual([216, 72, 72])
    // NIST framing: the ink box's longer side is resized to 26 px of 32, like page glyphs.
    const ink = glyphInkBox(set.train.x)
    expect(Math.max(ink.y1 - ink.y0, ink.x1 - ink.x0) + 1).toBeGreaterThanOrEqual(24)
  })

  it('unzips only the split it needs from a fetched gzip.zip, and reads it like loose files', async () => {
    const fetched = join(work, 'zipped')
    mkdirSync(fetched)
    const files = readdirSync(join(src, 'gzip')).map((f) => ({
      name: `gzip/${f}`,
      data: readFileSync(join(src, 'gzip', f))
    }))
    writeFileSync(
      join(fetched, 'gzip.zip'),
      storedZip([
        ...files,
        { name: 'gzip/emnist-byclass-train-labels-idx1-ubyte.gz', data: Buffer.from('other split') }
      ])
    )
    const fromZip = await importEmnist(fetched, join(work, 'from-zip'), { split: 'balanced', seed: 9 })
    const fromDir = await importEmnist(src, join(work, 'from-dir'), { split: 'balanced', seed: 9 })
    expect(fromZip.counts).toEqual(fromDir.counts)
    const [zipped, loose] = await Promise.all([
      readGlyphSet(join(work, 'from-zip')),
      readGlyphSet(join(work, 'from-dir'))
    ])
    expect(bytes(zipped.train.x).equals(bytes(loose.train.x))).toBe(true)
    expect(readdirSync(join(fetched, 'gzip')).sort()).toEqual(readdirSync(join(src, 'gzip')).sort())
  })

  it('says where it looked when the files are missing, and writes nothing', async () => {
    const empty = join(work, 'empty')
    mkdirSync(empty)
    const out = join(work, 'never')
    await expect(importEmnist(empty, out, { split: 'balanced' })).rejects.toThrow(IdxFormatError)
    await expect(importEmnist(empty, out, { split: 'balanced' })).rejects.toThrow(
      /not found in .*gzip\.zip \(glyphdesk data fetch emnist/
    )
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(work).filter((f) => f.startsWith('.never-'))).toEqual([])
  })

  it('runs as `glyphdesk data import emnist` and the result trains an MLP', () => {
    const out = join(work, 'cli')
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin', 'glyphdesk.mjs'), ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000
      })
    const r = run('data', 'import', 'emnist', src, '--split', 'balanced', '--out', out, '--seed', '2')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /train 288, valid 72, test 108 glyphs of 36 classes \(143 EMNIST glyphs of classes Glyphdesk does not have were left out\)/
    )
    const t = run('train', 'mlp', '--data', out, '--out', join(work, 'mlp'), '--epochs', '2', '--seed', '1')
    expect(t.status, t.stderr).toBe(0)
    const bad = run('data', 'import', 'emnist', src, '--split', 'kanji', '--out', join(work, 'x'))
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--split must be one of byclass, bymerge, balanced, digits, letters, mnist/)
  })
})
