// Minimal zip extraction for the downloaded data-set archives (EMNIST's gzip.zip, the
// coursework's data.zip): stored and deflated entries, CRC-checked, streamed so a 500 MB
// archive is never held in memory. Zip64, encryption and multi-disk archives are refused.
import { InvalidInputError, errnoCode, errorMessage } from '../core/errors.ts'
import { open, mkdir, rename, rm, type FileHandle } from 'node:fs/promises'
import { createWriteStream } from 'node:fs'
import { basename, resolve, sep, dirname } from 'node:path'
import { createInflateRaw, crc32 } from 'node:zlib'
import { Transform, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export class ZipFormatError extends InvalidInputError {
  override name = 'ZipFormatError'
  constructor(
    readonly file: string,
    readonly problem: string
  ) {
    super(`${basename(file)}: ${problem}`)
  }
}

export interface ZipEntry {
  name: string
  method: number
  crc: number
  compressedSize: number
  size: number
  localHeaderOffset: number
  encrypted: boolean
}

const EOCD_SIG = 0x06054b50
const CEN_SIG = 0x02014b50
const LOC_SIG = 0x04034b50

/** Lists the entries of a zip archive from its central directory. */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await openOrThrow(file)
  try {
    return await readCentralDirectory(fh, file)
  } finally {
    await fh.close()
  }
}

/**
 * Extracts the entries (all, or those `filter` accepts) into `outDir`; returns the written paths.
 * Each file is written to NAME.part and renamed when its CRC checks out.
 */
export async function extractZip(
  file: string,
  outDir: string,
  opts: { filter?: (name: string) => boolean } = {}
): Promise<string[]> {
  const fh = await openOrThrow(file)
  const written: string[] = []
  try {
    const entries = await readCentralDirectory(fh, file)
    const root = resolve(outDir)
    for (const e of entries) {
      if (e.name.endsWith('/')) continue // directory entry
      if (opts.filter && !opts.filter(e.name)) continue
      const target = resolve(root, e.name)
      if (e.name.includes('\\') || !target.startsWith(root + sep))
        throw new ZipFormatError(file, `entry "${e.name}" would be written outside ${outDir}; refusing to extract`)
      if (e.encrypted) throw new ZipFormatError(file, `entry "${e.name}" is encrypted`)
      if (e.method !== 0 && e.method !== 8)
        throw new ZipFormatError(
          file,
          `entry "${e.name}" uses compression method ${e.method}; only stored (0) and deflate (8) are supported`
        )
      await mkdir(dirname(target), { recursive: true })
      await extractEntry(fh, file, e, target)
      written.push(target)
    }
  } finally {
    await fh.close()
  }
  return written
}

async function openOrThrow(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r')
  } catch (e) {
    throw new ZipFormatError(file, errnoCode(e) === 'ENOENT' ? 'file not found' : `cannot be read (${errorMessage(e)})`)
  }
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len)
  const { bytesRead } = await fh.read(b, 0, len, pos)
  return b.subarray(0, bytesRead)
}

async function readCentralDirectory(fh: FileHandle, file: string): Promise<ZipEntry[]> {
  const size = (await fh.stat()).size
  const tailLen = Math.min(size, 22 + 65535)
  const tail = await readAt(fh, size - tailLen, tailLen)
  let eocd = -1
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i
      break
    }
  if (eocd < 0)
    throw new ZipFormatError(
      file,
      size === 0 ? 'is empty' : 'is not a zip archive or is truncated (no end-of-central-directory record)'
    )
  const count = tail.readUInt16LE(eocd + 10)
  const cdSize = tail.readUInt32LE(eocd + 12)
  const cdOffset = tail.readUInt32LE(eocd + 16)
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    throw new ZipFormatError(file, 'is a zip64 archive, which is not supported; extract it with unzip')
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0)
    throw new ZipFormatError(file, 'is a multi-disk archive, which is not supported')
  if (cdOffset + cdSize > size)
    throw new ZipFormatError(
      file,
      `is truncated: central directory at ${cdOffset} (+${cdSize}) lies beyond the file end (${size})`
    )
  const cd = await readAt(fh, cdOffset, cdSize)
  const entries: ZipEntry[] = []
  let p = 0
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG)
      throw new ZipFormatError(file, `central directory entry ${k} is damaged`)
    const nameLen = cd.readUInt16LE(p + 28),
      extraLen = cd.readUInt16LE(p + 30),
      commentLen = cd.readUInt16LE(p + 32)
    const flags = cd.readUInt16LE(p + 8)
    entries.push({
      name: cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
      encrypted: (flags & 1) === 1
    })
    p += 46 + nameLen + extraLen + commentLen
  }
  return entries
}

async function extractEntry(fh: FileHandle, file: string, e: ZipEntry, target: string): Promise<void> {
  const loc = await readAt(fh, e.localHeaderOffset, 30)
  if (loc.length < 30 || loc.readUInt32LE(0) !== LOC_SIG)
    throw new ZipFormatError(file, `local header of "${e.name}" is damaged`)
  const start = e.localHeaderOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28)
  const size = (await fh.stat()).size
  if (start + e.compressedSize > size)
    throw new ZipFormatError(
      file,
      `is truncated: "${e.name}" needs bytes up to ${start + e.compressedSize}, file has ${size}`
    )
  const source = Readable.from(chunksOf(fh, start, e.compressedSize))
  let crc = 0
  let written = 0
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      crc = crc32(chunk, crc)
      written += chunk.length
      if (written > e.size) done(new ZipFormatError(file, `"${e.name}" inflates past its declared ${e.size} bytes`))
      else done(null, chunk)
    }
  })
  const part = `${target}.part`
  try {
    if (e.method === 8) await pipeline(source, createInflateRaw(), check, createWriteStream(part))
    else await pipeline(source, check, createWriteStream(part))
  } catch (err) {
    await rm(part, { force: true })
    if (err instanceof ZipFormatError) throw err
    throw new ZipFormatError(file, `"${e.name}" is damaged (${errorMessage(err)})`)
  }
  if (written !== e.size || crc >>> 0 !== e.crc) {
    await rm(part, { force: true })
    throw new ZipFormatError(
      file,
      `"${e.name}" failed its integrity check (${written} of ${e.size} bytes, CRC ${(crc >>> 0).toString(16)} vs ${e.crc.toString(16)})`
    )
  }
  await rename(part, target)
}

async function* chunksOf(fh: FileHandle, start: number, length: number): AsyncGenerator<Buffer> {
  const CHUNK = 1 << 20
  for (let off = 0; off < length; off += CHUNK) {
    const b = await readAt(fh, start + off, Math.min(CHUNK, length - off))
    if (b.length === 0) return
    yield b
  }
}
