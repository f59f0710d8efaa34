import { readFileSync } from 'node:fs'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { ImageLoadError, loadImage } from '../../../src/main/vision/image.ts'

const fx = (f: string) => new URL(`../../fixtures/pages/${f}`, import.meta.url).pathname

async function expectKind(p: Promise<unknown>, kind: string, text: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err
  )
  expect(e).toBeInstanceOf(ImageLoadError)
  expect((e as ImageLoadError).kind).toBe(kind)
  expect((e as Error).message).toMatch(text)
}

describe('loadImage', () => {
  it('rejects a PDF and says to export it as PNG or JPEG', () =>
    expectKind(loadImage(fx('page.pdf')), 'pdf', /page\.pdf is a PDF; export the page as PNG or JPEG/))

  it('rejects an empty file', () => expectKind(loadImage(fx('empty.jpg')), 'empty', /empty/))

  it('rejects a truncated JPEG as cut short', () =>
    expectKind(loadImage(fx('truncated.jpg')), 'truncated', /cut short/))

  it('reports a truncated colour JPEG as cut short every time, although its gray and chroma decode side by side', async () => {
    // libvips' error text is shared between decodes running at once: before loadImage decoded a failed file again
    // alone, 4 of 60 loads of this file came back "unreadable" (the message "Unknown error").
    const bytes = readFileSync(fx('truncated.jpg'))
    const kinds: string[] = []
    for (let i = 0; i < 40; i++) {
      const e = await loadImage(bytes).then(
        () => null,
        (err: unknown) => err
      )
      kinds.push(e instanceof ImageLoadError ? e.kind : String(e))
    }
    expect(kinds.filter((k) => k !== 'truncated')).toEqual([])
  })

  it('rejects a file that is not an image', () => expectKind(loadImage(fx('notes.png')), 'unsupported', /PNG or JPEG/))

  it('rejects an absurdly large image from its header, before decoding', async () => {
    // A 30000×30000 PNG header: only the IHDR is read, so this costs no memory.
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer()
    png.writeUInt32BE(30000, 16)
    png.writeUInt32BE(30000, 20)
    await expectKind(loadImage(png), 'too-large', /900 MP.*limit/)
  })

  it('downscales above the pixel budget with a warning and reports the scale', async () => {
    const img = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer()
    const out = await loadImage(img, { maxPixels: 30_000 })
    expect(out.width * out.height).toBeLessThanOrEqual(30_000)
    expect(out.originalWidth).toBe(400)
    expect(out.scale).toBeCloseTo(out.width / 400, 6)
    expect(out.warnings[0]).toMatch(/downscaled/)
  })

  it('applies EXIF orientation so phone photos come out upright', async () => {
    // 40×20 with a dark left half, stored with orientation 6 (rotate 90° clockwise to view).
    const raw = Buffer.alloc(40 * 20, 255)
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) raw[y * 40 + x] = 0
    const jpg = await sharp(raw, { raw: { width: 40, height: 20, channels: 1 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer()
    const out = await loadImage(jpg)
    expect([out.width, out.height]).toEqual([20, 40])
    // After rotating clockwise the dark half is on top.
    expect(out.data[2 * 20 + 10]).toBeLessThan(60)
    expect(out.data[37 * 20 + 10]).toBeGreaterThan(200)
  })

  it("keeps a colour photo's chroma small and upright for the sheet finder, and none for gray or colourless files", async () => {
    // 1000×600, left half pure yellow (chroma 255), right half white; stored rotated (orientation 6).
    const raw = Buffer.alloc(1000 * 600 * 3, 255)
    for (let y = 0; y < 600; y++) for (let x = 0; x < 500; x++) raw[(y * 1000 + x) * 3 + 2] = 0
    const jpg = await sharp(raw, { raw: { width: 1000, height: 600, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer()
    const out = await loadImage(jpg)
    expect([out.width, out.height]).toEqual([600, 1000])
    expect([out.chroma!.width, out.chroma!.height]).toEqual([288, 480])
    // Upright: the yellow half is on top.
    expect(out.chroma!.data[100 * 288 + 144]).toBeGreaterThan(230)
    expect(out.chroma!.data[380 * 288 + 144]).toBeLessThan(10)
    // A caller that never looks for a sheet skips it.
    expect((await loadImage(jpg, { chroma: false })).chroma).toBeUndefined()
    const gray = await sharp(Buffer.alloc(64 * 64, 128), { raw: { width: 64, height: 64, channels: 1 } })
      .png()
      .toBuffer()
    expect((await loadImage(gray)).chroma).toBeUndefined()
    const colourless = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .png()
      .toBuffer()
    expect((await loadImage(colourless)).chroma).toBeUndefined()
  })

  it('reads 16-bit RGBA PNG onto white paper as 8-bit gray', async () => {
    const png = await sharp({
      create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } }
    })
      .png()
      .toColourspace('rgb16')
      .toBuffer()
    const out = await loadImage(png)
    for (const v of out.data) expect(v).toBeGreaterThanOrEqual(254)
  })

  it("reads a multi-page TIFF's first page and warns that the others were not read", async () => {
    // Two 4 × 4 pages: the first white with a black top-left pixel, the second black.
    const raw = Buffer.alloc(4 * 8, 255)
    raw[0] = 0
    raw.fill(0, 16)
    const tif = await sharp(raw, { raw: { width: 4, height: 8, channels: 1, pageHeight: 4 } })
      .tiff({ compression: 'lzw' })
      .toBuffer()
    const out = await loadImage(tif, { name: 'stack.tif' })
    expect([out.width, out.height]).toEqual([4, 4])
    expect(out.data[0]).toBe(0)
    expect(Array.from(out.data.subarray(1))).toEqual(new Array(15).fill(255))
    expect(out.warnings).toHaveLength(1)
    expect(out.warnings[0]).toMatch(/stack\.tif holds 2 pages; only the first was read/)
    // One page: no such warning.
    const one = await sharp(raw.subarray(0, 16), { raw: { width: 4, height: 4, channels: 1 } })
      .tiff({ compression: 'lzw' })
      .toBuffer()
    expect((await loadImage(one)).warnings).toEqual([])
  })

  it('reads the page of a multi-page TIFF it is asked for, says how many the file holds, and refuses a page past the last', async () => {
    // Three 4 × 4 pages: page k has a black pixel at position k and is white elsewhere.
    const raw = Buffer.alloc(16 * 3, 255)
    for (let k = 0; k < 3; k++) raw[16 * k + k] = 0
    const tif = await sharp(raw, { raw: { width: 4, height: 12, channels: 1, pageHeight: 4 } })
      .tiff({ compression: 'deflate' })
      .toBuffer()
    for (let k = 0; k < 3; k++) {
      const out = await loadImage(tif, { name: 'stack.tif', page: k })
      expect([out.width, out.height, out.pages, out.page]).toEqual([4, 4, 3, k])
      expect(
        Array.from(out.data)
          .map((v, i) => (v === 0 ? i : -1))
          .filter((i) => i >= 0)
      ).toEqual([k])
      // Asked for a page: no warning that the others were not read.
      expect(out.warnings).toEqual([])
    }
    await expectKind(
      loadImage(tif, { name: 'stack.tif', page: 3 }),
      'unsupported',
      /stack\.tif has 3 pages; there is no page 4/
    )
    await expectKind(loadImage(tif, { name: 'stack.tif', page: 1.5 }), 'unsupported', /page 1\.5 is not a page number/)
    // A file of one page has only page 0.
    const png = await sharp(raw.subarray(0, 16), { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toBuffer()
    expect(await loadImage(png, { page: 0 })).toMatchObject({ pages: 1, page: 0 })
    await expectKind(
      loadImage(png, { name: 'one.png', page: 1 }),
      'unsupported',
      /one\.png has one page; there is no page 2/
    )
  })

  it('reads an uncompressed 24-bit BMP', async () => {
    const w = 3,
      h = 2,
      stride = 12
    const b = Buffer.alloc(54 + stride * h)
    b.write('BM', 0, 'latin1')
    b.writeUInt32LE(b.length, 2)
    b.writeUInt32LE(54, 10)
    b.writeUInt32LE(40, 14)
    b.writeInt32LE(w, 18)
    b.writeInt32LE(h, 22)
    b.writeUInt16LE(1, 26)
    b.writeUInt16LE(24, 28)
    b.fill(255, 54)
    b[54] = b[55] = b[56] = 0 // bottom-left pixel black (rows are stored bottom-up)
    const out = await loadImage(b)
    expect([out.width, out.height]).toEqual([3, 2])
    expect(Array.from(out.data)).toEqual([255, 255, 255, 0, 255, 255])
  })

  it('loads the shipped sample page upright at its stored size', async () => {
    const out = await loadImage(readFileSync(new URL('../../../resources/samples/03_haiku.jpg', import.meta.url)))
    expect([out.width, out.height]).toEqual([1600, 375])
    expect(out.warnings).toEqual([])
  })
})
