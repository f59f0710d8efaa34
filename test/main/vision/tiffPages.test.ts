// The page count of a TIFF read from its directory chain (vision/tiffPages.ts), against libvips' own count and
// on hand-built files: big-endian, BigTIFF, a chain that loops, a chain cut short, files that are not TIFFs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { tiffPageCount, tiffPageCountOf } from '../../../src/main/vision/tiffPages.ts'

const work = mkdtempSync(join(tmpdir(), 'glyphdesk-tiff-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A classic TIFF of `n` empty directories, each pointing at the next (`loopTo`: the last points back at that one). */
function classic(n: number, order: 'II' | 'MM', loopTo?: number): Buffer {
  const b = Buffer.alloc(8 + n * 6)
  const le = order === 'II'
  const u16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o))
  const u32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o))
  b.write(order, 0, 'latin1')
  u16(42, 2)
  u32(8, 4)
  const at = (k: number) => 8 + k * 6
  for (let k = 0; k < n; k++) {
    u16(0, at(k))
    u32(k + 1 < n ? at(k + 1) : loopTo !== undefined ? at(loopTo) : 0, at(k) + 2)
  }
  return b
}

/** A little-endian BigTIFF of `n` empty directories. */
function bigTiff(n: number): Buffer {
  const b = Buffer.alloc(16 + n * 16)
  b.write('II', 0, 'latin1')
  b.writeUInt16LE(43, 2)
  b.writeUInt16LE(8, 4)
  b.writeBigUInt64LE(16n, 8)
  for (let k = 0; k < n; k++) {
    const at = 16 + k * 16
    b.writeBigUInt64LE(0n, at)
    b.writeBigUInt64LE(k + 1 < n ? BigInt(at + 16) : 0n, at + 8)
  }
  return b
}

describe('tiffPageCount', () => {
  it("agrees with libvips on files libvips wrote, and reads the file's head and directories only", async () => {
    for (const pages of [1, 2, 5]) {
      const raw = Buffer.alloc(6 * 6 * pages, 200)
      for (const compression of ['none', 'lzw', 'deflate'] as const) {
        const tif = await sharp(raw, { raw: { width: 6, height: 6 * pages, channels: 1, pageHeight: 6 } })
          .tiff({ compression })
          .toBuffer()
        expect((await sharp(tif).metadata()).pages ?? 1).toBe(pages)
        expect(tiffPageCountOf(tif), `${pages} pages, ${compression}`).toBe(pages)
        const f = join(work, `p${pages}-${compression}.tif`)
        writeFileSync(f, tif)
        expect(tiffPageCount(f)).toBe(pages)
      }
    }
  })

  it('follows big-endian and BigTIFF chains', () => {
    expect(tiffPageCountOf(classic(3, 'MM'))).toBe(3)
    expect(tiffPageCountOf(classic(4, 'II'))).toBe(4)
    expect(tiffPageCountOf(bigTiff(3))).toBe(3)
  })

  it('ends a chain that loops at the first repeated directory, and one cut short at the last it can read', () => {
    expect(tiffPageCountOf(classic(4, 'II', 1))).toBe(4)
    expect(tiffPageCountOf(classic(2, 'MM', 0))).toBe(2)
    // Cut inside the third directory's next-pointer: the three directories whose counts were read.
    const cut = classic(4, 'II').subarray(0, 8 + 2 * 6 + 3)
    expect(tiffPageCountOf(cut)).toBe(3)
  })

  it('is 1 for files that are not TIFFs and for paths that cannot be read', () => {
    expect(tiffPageCountOf(Buffer.from('%PDF-1.7'))).toBe(1)
    expect(tiffPageCountOf(Buffer.alloc(0))).toBe(1)
    const wrongVersion = classic(3, 'II')
    wrongVersion.writeUInt16LE(41, 2)
    expect(tiffPageCountOf(wrongVersion)).toBe(1)
    expect(tiffPageCount(join(work, 'missing.tif'))).toBe(1)
  })
})
