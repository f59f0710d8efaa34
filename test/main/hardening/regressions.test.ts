// Regression tests for the failures found by probing Glyphdesk as an attacker and as a clumsy user
// (issue 14, "Why"): each reproduces the hostile or broken input and pins the bounded, named answer.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PAGE_EXPORTS } from '../../../src/main/export/index.ts'
import { createAppContext } from '../../../src/main/ipc/context.ts'
import { createAppRegistry } from '../../../src/main/ipc/index.ts'
import { parseMat, encodeMat, MatFormatError } from '../../../src/main/data/mat.ts'
import { readGlyphFile, GlyphSetError } from '../../../src/main/data/glyphset.ts'
import { loadImage, ImageLoadError } from '../../../src/main/vision/image.ts'
import { assembleText, boxesByLine, type PageDoc } from '../../../src/shared/pagedoc.ts'

const root = resolve(__dirname, '../../..')
let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'glyphdesk-hardening-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A PageDoc whose one box claims line 1e9 (and word 1e9), next to an ordinary line 0. */
function hugeLineDoc(): PageDoc {
  return {
    version: 1,
    image: { path: 'page.png', width: 100, height: 100 },
    boxes: [
      { id: 'a', x: 1, y: 1, w: 10, h: 10, line: 0, word: 0, label: 'A', source: 'detector' },
      { id: 'b', x: 20, y: 1, w: 10, h: 10, line: 1e9, word: 1e9, label: 'B', source: 'detector' }
    ],
    lines: [{ index: 0, x: 1, y: 1, w: 10, h: 10 }]
  }
}

describe('a PageDoc with "line": 1e9', () => {
  it('groups boxes by line with a map: one entry per line that exists, in line order', () => {
    const lines = boxesByLine(hugeLineDoc())
    expect(lines.map((l) => l.map((b) => b.id))).toEqual([['a'], ['b']])
    expect(assembleText(hugeLineDoc())).toBe('A\nB')
  })

  it('exports in every format through the export.page route without allocating per line number', async () => {
    const dataDir = mkdtempSync(join(tmp, 'data-'))
    const registry = createAppRegistry(
      createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async () => '' })
    )
    for (const format of Object.keys(PAGE_EXPORTS)) {
      const t0 = performance.now()
      const reply = await registry.invoke('export.page', { doc: hugeLineDoc(), format })
      expect(reply.ok, JSON.stringify(reply)).toBe(true)
      // Before: an array of 1e9 lines, ~44 s and then out of heap. A generous bound, not a benchmark.
      expect(performance.now() - t0).toBeLessThan(5000)
    }
  })
})

describe('pages.recognize on 100 000 boxes', () => {
  it('is refused by the contract (at most 50 000 boxes a page) before any page work starts', async () => {
    // Before: the route cropped and classified every box and ran past 120 s.
    const dataDir = mkdtempSync(join(tmp, 'data-'))
    const ctx = createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async () => '' })
    const boxes = Array.from({ length: 100_000 }, (_, i) => ({
      id: `b${i}`,
      x: i % 1000,
      y: Math.floor(i / 1000),
      w: 1,
      h: 1,
      line: 0,
      word: 0,
      source: 'user' as const
    }))
    const doc = { ...hugeLineDoc(), image: { path: join(dataDir, 'page.png'), width: 1000, height: 100 }, boxes }
    const reply = await createAppRegistry(ctx).invoke('pages.recognize', { doc, boxIds: ['b1'] })
    expect(reply.ok).toBe(false)
    if (!reply.ok) {
      expect(reply.error.status).toBe(400)
      expect(reply.error.message).toMatch(/50000|50 000/)
    }
  })
})

/** An 8-bit BMP of w×h whose header declares `colours` palette entries. */
function bmp8(w: number, h: number, colours: number): Buffer {
  const stride = Math.ceil(w / 4) * 4
  const offset = 14 + 40 + 256 * 4
  const b = Buffer.alloc(offset + stride * h, 0xff)
  b.write('BM', 0, 'latin1')
  b.writeUInt32LE(b.length, 2)
  b.writeUInt32LE(offset, 10)
  b.writeUInt32LE(40, 14)
  b.writeInt32LE(w, 18)
  b.writeInt32LE(h, 22)
  b.writeUInt16LE(1, 26)
  b.writeUInt16LE(8, 28)
  b.writeUInt32LE(0, 30)
  b.writeUInt32LE(colours, 46)
  return b
}

describe('BMP headers that declare more than the file holds', () => {
  it('refuses a palette of 0xFFFFFFFF colours at once, naming the file', async () => {
    const t0 = performance.now()
    const err = await loadImage(bmp8(16, 16, 0xffffffff), { name: 'hostile.bmp' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImageLoadError)
    expect((err as Error).message).toMatch(/^hostile\.bmp .*4294967295 colours/)
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  it('refuses a pixel offset or header size outside the file', async () => {
    const far = bmp8(16, 16, 0)
    far.writeUInt32LE(0x7fffffff, 10)
    await expect(loadImage(far, { name: 'far.bmp' })).rejects.toThrow(/far\.bmp .*offset/)
    const header = bmp8(16, 16, 0)
    header.writeUInt32LE(0x7ffffff0, 14)
    await expect(loadImage(header, { name: 'header.bmp' })).rejects.toThrow(/header\.bmp .*header declares/)
  })

  it('still reads an honest 8-bit BMP with a short palette', async () => {
    const img = await loadImage(bmp8(8, 4, 2), { name: 'ok.bmp' })
    expect([img.width, img.height]).toEqual([8, 4])
  })
})

describe('image errors name the file', () => {
  it('names the file when the caller read the bytes itself', async () => {
    await expect(loadImage(Buffer.from('not an image at all'), { name: '/some/where/scan.png' })).rejects.toThrow(
      /^scan\.png is not an image format/
    )
    await expect(loadImage(Buffer.from('%PDF-1.4 …'), { name: 'doc.png' })).rejects.toThrow(/^doc\.png is a PDF/)
  })

  it('names the file on the pages.open route too', async () => {
    const dataDir = mkdtempSync(join(tmp, 'data-'))
    const page = join(dataDir, 'scan.png')
    writeFileSync(page, 'not an image')
    const registry = createAppRegistry(
      createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async () => '' })
    )
    const reply = await registry.invoke('pages.open', { path: page })
    expect(reply.ok).toBe(false)
    if (!reply.ok) expect(reply.error.message).toMatch(/^scan\.png is not an image format/)
  })
})

/** A compressed MAT element whose matrix declares rows×cols doubles but inflates to `inflated` bytes. */
function matBomb(rows: number, cols: number, inflated: number): Buffer {
  const honest = encodeMat([{ name: 'x', class: 'double', dims: [rows, cols], data: new Float64Array(rows * cols) }], {
    compress: false
  })
  const element = Buffer.alloc(inflated)
  honest.copy(element, 0, 128)
  // The matrix tag claims the whole inflated size; the padding after the real data is zeros (a bomb).
  element.writeUInt32LE(inflated - 8, 4)
  const z = deflateSync(element, { level: 9 })
  const tag = Buffer.alloc(8)
  tag.writeUInt32LE(15, 0)
  tag.writeUInt32LE(z.length, 4)
  return Buffer.concat([honest.subarray(0, 128), tag, z])
}

describe('.mat inflated size', () => {
  it('stops inflating at what the declared dimensions need (a zlib bomb)', () => {
    const bomb = matBomb(10, 10, 64 * 1024 * 1024)
    expect(bomb.length).toBeLessThan(200 * 1024)
    let err: unknown
    try {
      parseMat(bomb, 'bomb.mat')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(MatFormatError)
    expect((err as Error).message).toMatch(/^bomb\.mat: .*inflates past the \d+ bytes its declared dimensions need/)
    const bound = Number(/past the (\d+) bytes/.exec((err as Error).message)![1])
    expect(bound).toBeLessThan(10 * 10 * 8 * 2 + 1024)
  })

  it('reads an honest compressed matrix as before', () => {
    const data = Float64Array.from({ length: 300 * 7 }, (_, i) => i % 13)
    const m = parseMat(encodeMat([{ name: 'x', class: 'double', dims: [300, 7], data }]), 'ok.mat')
    expect(Array.from(m.variables.get('x')!.data)).toEqual(Array.from(data))
  })
})

describe('glyph values that are not finite numbers', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`refuses ${bad} naming the file and where it is`, async () => {
      const n = 3
      const data = new Float64Array(n * 1024).fill(1)
      data[2 * n + 1] = bad // glyph (row) 2, column 3
      const labels = new Float64Array(n * 36)
      for (let i = 0; i < n; i++) labels[i * n + i] = 1
      const file = join(tmp, `nan_${String(bad)}_train.mat`)
      writeFileSync(
        file,
        encodeMat([
          { name: 'train_data', class: 'double', dims: [n, 1024], data },
          { name: 'train_labels', class: 'double', dims: [n, 36], data: labels }
        ])
      )
      const err = await readGlyphFile(file).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GlyphSetError)
      expect((err as Error).message).toBe(
        `nan_${String(bad)}_train.mat: train_data holds ${bad} in row 2, column 3; glyph values must be finite numbers (0 ink … 1 paper)`
      )
    })
  }
})

describe('the command line', () => {
  it('gives a clear usage error (exit 2), not a raw EISDIR, when transcribe is given a folder', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'glyphdesk.mjs'), 'transcribe', tmp], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000
    })
    expect(r.stderr).not.toMatch(/EISDIR/)
    expect(r.stderr).toMatch(/is a folder; transcribe reads one page image/)
    expect(r.status).toBe(2)
  })
})
