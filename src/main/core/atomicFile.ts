// Writes that a crash cannot tear: a file is written to a temporary name beside its target, fsynced and
// renamed over it; a folder is filled under a staging name and renamed into place. Readers see the old
// state or the new one, never a mix. Every module that saves a person's work or a model goes through here.
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { removeStaleTemporaries, writeDirAtomic as writeDirInOneStep } from './atomicDirs.ts'
import { errnoCode, InvalidInputError } from './errors.ts'

/** A file or folder could not be written (disk full, read-only, no permission); the previous state is kept. */
export class FileWriteError extends InvalidInputError {
  override name = 'FileWriteError'
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    options?: { cause?: unknown }
  ) {
    super(
      `${path} could not be written: ${WRITE_PROBLEMS[code ?? ''] ?? `${code ?? 'I/O error'}`}; nothing there was changed`,
      options
    )
  }
}

const WRITE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC); free some space and save again',
  EDQUOT: 'the disk quota is used up (EDQUOT); free some space and save again',
  EROFS: 'the disk is read-only (EROFS); save somewhere else',
  EACCES: 'permission denied (EACCES); choose a folder you can write to',
  EPERM: 'operation not permitted (EPERM); choose a folder you can write to',
  EISDIR: 'a folder of that name is in the way (EISDIR)',
  ENOTDIR: 'part of the path is a file, not a folder (ENOTDIR)',
  EEXIST: 'something of that name is already there (EEXIST)',
  ENOTEMPTY: 'a non-empty folder of that name is already there (ENOTEMPTY)'
}

/** An OS error while writing `path` as a FileWriteError; anything else passes through unchanged. */
export function asWriteError(path: string, err: unknown): unknown {
  if (err instanceof FileWriteError) return err
  const code = errnoCode(err)
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? new FileWriteError(path, code, { cause: err }) : err
}

/** `.NAME.PID.HEX.tmp`: the temporary writeFileAtomic makes beside NAME. */
export const ATOMIC_TMP = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/

export interface AtomicWriteOptions {
  /**
   * Look through the folder for this file's temporaries left by a killed process and remove them (default true).
   * That lists the whole folder, which grows with an archive's outputs (bench/atomic-write.ts: 0.9 ms a write
   * beside no files, 25 ms beside 30 000); a batch that swept its output folders once at its start says false.
   */
  sweep?: boolean
}

/** Writes data to path via temp file + fsync + rename, so readers see the old or the new file, never a mix. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {}
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await mkdir(dirname(path), { recursive: true })
    // Temporaries of this file left by a process that was killed mid-save go before the next save.
    if (opts.sweep !== false)
      await removeStaleTemporaries(dirname(path), (name) => ATOMIC_TMP.exec(name)?.[1] === basename(path))
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined)
    throw asWriteError(path, err)
  }
}

/**
 * Makes the folder `dir` (absent or empty) in one step: `fill` writes into a staging folder beside it,
 * which is then renamed into place; if anything fails the staging folder is removed and `dir` is untouched.
 */
export async function writeDirAtomic(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  try {
    await writeDirInOneStep(dir, fill)
  } catch (err) {
    throw asWriteError(resolve(dir), err)
  }
}
