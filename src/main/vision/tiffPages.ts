// How many pages a TIFF file holds, read from its chain of image directories (IFDs) without decoding any
// pixels: the batch reader (cli/batch.ts) lists each page of a scanner's multi-page TIFF as a page of its
// own before any worker starts. libvips (vision/image.ts) counts the same chain when it decodes page k.
import { closeSync, openSync, readSync } from 'node:fs'
import { MAX_FILE_PAGES } from '../../shared/pagedoc.ts'

/**
 * The number of pages of the TIFF file at `path`: 1 for a file that is not a TIFF, and for a TIFF whose chain
 * cannot be followed (the decoder then reports what is wrong with the file itself). A chain that loops back on
 * itself ends at the first repeated directory, a longer one than MAX_FILE_PAGES at that many.
 */
export function tiffPageCount(path: string): number {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return 1
  }
  try {
    return countPages((offset, length) => {
      const buf = Buffer.alloc(length)
      const n = readSync(fd, buf, 0, length, offset)
      return n === length ? buf : null
    })
  } finally {
    closeSync(fd)
  }
}

/** The same count from the file's bytes. */
export function tiffPageCountOf(bytes: Uint8Array): number {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return countPages((offset, length) => (offset + length <= b.length ? b.subarray(offset, offset + length) : null))
}

type Read = (offset: number, length: number) => Buffer | null

function countPages(read: Read): number {
  const head = read(0, 16) ?? read(0, 8)
  if (!head) return 1
  const order = head.toString('latin1', 0, 2)
  if (order !== 'II' && order !== 'MM') return 1
  const le = order === 'II'
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
  // Offsets past 2^53 cannot be a page of a real file; reading them as numbers is exact below that.
  const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o))
  const version = u16(head, 2)
  let big: boolean
  if (version === 42) big = false
  else if (version === 43 && head.length >= 16 && u16(head, 4) === 8) big = true
  else return 1
  let offset = big ? u64(head, 8) : u32(head, 4)
  const seen = new Set<number>()
  let pages = 0
  while (offset !== 0 && !seen.has(offset) && pages < MAX_FILE_PAGES) {
    seen.add(offset)
    const countBytes = big ? 8 : 2
    const c = read(offset, countBytes)
    if (!c) break
    const entries = big ? u64(c, 0) : u16(c, 0)
    const entryBytes = big ? 20 : 12
    const next = read(offset + countBytes + entries * entryBytes, big ? 8 : 4)
    pages++
    if (!next) break
    offset = big ? u64(next, 0) : u32(next, 0)
  }
  return Math.max(1, pages)
}
