// Writes that a crash cannot tear: a file is written to a temporary name beside its target, fsynced and
// renamed over it; a folder is filled under a staging name and renamed into place. Readers see the old
// state or the new one, never a mix. Every module that saves a person's work or a model goes through here.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, open, rename, rm, rmdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

/** Writes data to path via temp file + fsync + rename, so readers see the old or the new file, never a mix. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/**
 * Makes the folder `dir` (absent or empty) in one step: `fill` writes into a staging folder beside it,
 * which is then renamed into place; if anything fails the staging folder is removed and `dir` is untouched.
 */
export async function writeDirAtomic(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const target = resolve(dir)
  await mkdir(dirname(target), { recursive: true })
  const staging = await mkdtemp(join(dirname(target), `.${basename(target)}-`))
  try {
    await fill(staging)
    // An empty target folder gives way; a non-empty one makes rmdir fail, so nothing is ever replaced.
    await rmdir(target).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e })
    await rename(staging, target)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
}
