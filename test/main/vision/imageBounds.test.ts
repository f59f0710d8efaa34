// The sizes PNG and JPEG headers declare are checked against what the file holds before a decoder allocates:
// cases the long fuzz run found (a 73-byte PNG declaring 7 602 310 × 16 kept libvips busy for minutes at
// gigabytes) and a JPEG whose header was enlarged; and every kind of real PNG still passes, with the size
// the check expects equal to what zlib actually inflates the file's image data to.
import { inflateSync } from 'node:zlib'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { ImageLoadError, JPEG_MAX_PIXELS_PER_BYTE, loadImage } from '../../../src/main/vision/image.ts'
import { checkPngBounds, readPngHeader } from '../../../src/main/vision/pngBounds.ts'

async function refusal(p: Promise<unknown>): Promise<ImageLoadError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err
  )
  expect(e).toBeInstanceOf(ImageLoadError)
  return e as ImageLoadError
}

/** The fuzz run's base file: 24×16 gray 200 as sharp writes it. */
const basePng = () =>
  sharp(Buffer.alloc(24 * 16, 200), { raw: { width: 24, height: 16, channels: 1 } })
    .png()
    .toBuffer()

describe('PNG header bounds', () => {
  it('expects exactly the bytes zlib inflates the image data of every kind of PNG to', async () => {
    const raw = Buffer.alloc(37 * 23 * 4)
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 97) % 251
    const src = () => sharp(raw, { raw: { width: 37, height: 23, channels: 4 } })
    const variants: [string, Promise<Buffer>][] = [
      ['gray 8-bit', src().grayscale().png().toBuffer()],
      ['RGB 8-bit', src().removeAlpha().png().toBuffer()],
      ['RGBA 8-bit', src().png().toBuffer()],
      ['RGBA 16-bit', src().toColourspace('rgb16').png().toBuffer()],
      ['palette 8-bit', src().png({ palette: true, colours: 200 }).toBuffer()],
      ['palette 1-bit', src().png({ palette: true, colours: 2 }).toBuffer()],
      ['interlaced RGB', src().removeAlpha().png({ progressive: true }).toBuffer()],
      ['interlaced gray', src().grayscale().png({ progressive: true }).toBuffer()]
    ]
    const seen = new Set<string>()
    for (const [name, p] of variants) {
      const png = await p
      const h = readPngHeader(png, name, 250e6)
      seen.add(`${h.colourType}/${h.bitDepth}/${h.interlaced}`)
      expect(h.rawBytes, name).toBe(inflateSync(Buffer.concat(h.idat)).length)
      await expect(checkPngBounds(png, name, 250e6)).resolves.toMatchObject({ width: 37, height: 23 })
      const img = await loadImage(png, { name })
      expect([img.width, img.height], name).toEqual([37, 23])
    }
    // The variants really cover different colour types, depths and interlacing.
    expect(seen.size).toBeGreaterThanOrEqual(6)
  })

  it('refuses the fuzz run\u2019s 73-byte PNG declaring 7 602 310 × 16 pixels before decoding', async () => {
    // Case 1581 of `scripts/fuzz/run.ts --seed 1`: width overwritten, file cut after 73 bytes. libvips
    // downscaled the declared 121 MP image from 11 bytes of data for minutes at gigabytes.
    const png = Buffer.from(await basePng())
    png.writeUInt32BE(7602310, 16)
    const e = await refusal(loadImage(png.subarray(0, 73), { name: 'fuzz.png' }))
    expect(e.kind).toBe('truncated')
    expect(e.message).toMatch(/^fuzz\.png is cut short: its header declares 7602310×16 pixels, more than its \d+ bytes/)
  })

  it('refuses a PNG whose data is within deflate\u2019s ratio but inflates to less than the header declares', async () => {
    // A 400×400 white page has very compressible data, so an enlarged height passes the ratio check;
    // counting the inflated bytes finds that the rows run out.
    const png = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#fff' } })
      .png()
      .toBuffer()
    const tall = Buffer.from(png)
    tall.writeUInt32BE(800, 20)
    expect(readPngHeader(tall, 'tall.png', 250e6).rawBytes).toBe(800 * (1 + 400 * 3))
    const e = await refusal(loadImage(tall, { name: 'tall.png' }))
    expect(e.kind).toBe('truncated')
    expect(e.message).toMatch(
      /tall\.png is cut short: its image data gives \d+ of the 960800 bytes its 400×800 pixels need/
    )
  })

  it('refuses impossible IHDR fields with a message naming the file', async () => {
    const png = Buffer.from(await basePng())
    const wrongLength = Buffer.from(png)
    wrongLength.writeUInt32BE(0x7fffffff, 8)
    expect((await refusal(loadImage(wrongLength, { name: 'a.png' }))).message).toMatch(/^a\.png is a damaged PNG/)
    const zeroWidth = Buffer.from(png)
    zeroWidth.writeUInt32BE(0, 16)
    expect((await refusal(loadImage(zeroWidth, { name: 'b.png' }))).message).toMatch(/^b\.png is a damaged PNG/)
    const badDepth = Buffer.from(png)
    badDepth[24] = 3
    expect((await refusal(loadImage(badDepth, { name: 'c.png' }))).message).toMatch(/^c\.png is a damaged PNG/)
  })
})

describe('JPEG header bounds', () => {
  it('refuses a small JPEG whose header declares 15000 × 15000 pixels', async () => {
    // libjpeg fills missing data with gray and reports no error: the progressive one took 30 s and 945 MB.
    for (const progressive of [false, true]) {
      const jpg = Buffer.from(
        await sharp(Buffer.alloc(24 * 16, 200), { raw: { width: 24, height: 16, channels: 1 } })
          .jpeg({ progressive })
          .toBuffer()
      )
      let at = 2
      while (!(jpg[at + 1] >= 0xc0 && jpg[at + 1] <= 0xc2)) at += 2 + jpg.readUInt16BE(at + 2)
      jpg.writeUInt16BE(15000, at + 5)
      jpg.writeUInt16BE(15000, at + 7)
      const e = await refusal(loadImage(jpg, { name: 'big.jpg' }))
      expect(e.kind).toBe('truncated')
      expect(e.message).toMatch(
        /^big\.jpg is cut short: its header declares 15000×15000 pixels, more than its \d+ bytes/
      )
    }
  })

  it('still reads the most compressible real page: a blank A4 scan at the lowest quality, progressive', async () => {
    const w = 1240,
      h = 1754
    const jpg = await sharp(Buffer.alloc(w * h, 255), { raw: { width: w, height: h, channels: 1 } })
      .jpeg({ quality: 1, progressive: true, mozjpeg: true })
      .toBuffer()
    // At least 2× below the bound: one bit per 8×8 block is 512 pixels per byte.
    expect((w * h) / jpg.length).toBeLessThan(JPEG_MAX_PIXELS_PER_BYTE / 2)
    const img = await loadImage(jpg, { name: 'blank.jpg' })
    expect([img.width, img.height]).toEqual([w, h])
  })
})
