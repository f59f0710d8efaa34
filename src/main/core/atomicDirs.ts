// Crash-safe folders and the clean-up of what a killed process leaves behind.
//
// A folder (a model: weights.bin + model.json, a cnn-head with its head/) is written whole into a staging
// folder beside it and renamed into place, so a reader sees the old model or the new one, never half of
// each. Replacing an existing folder takes two renames (old aside, new in); a kill between them leaves
// the old folder under a backup name, which `recoverDir` (on load) and `cleanStaleTemporaries` (on start)
// rename back. Every temporary carries the writer's process id, so a running writer's files are never
// touched and a dead one's are removed:
//   .NAME.PID.HEX.tmp         a file being written (writeFileAtomic)
//   .NAME.PID.staging-XXXXXX  a folder being written
//   .NAME.PID.old-HEX         the previous folder during the swap
import { randomBytes } from 'node:crypto'
import { errnoCode } from './errors.ts'
import { existsSync } from 'node:fs'
import { cp, link, mkdir, mkdtemp, open, readdir, rename, rm, rmdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

const TEMPORARY = /^\.(.+)\.(\d+)\.(?:[0-9a-f]{12}\.tmp|staging-[A-Za-z0-9]{6}|old-[0-9a-f]{12})$/

export interface Temporary {
  /** The name of the file or folder it belongs to. */
  target: string
  pid: number
  kind: 'tmp' | 'staging' | 'old'
}

/** What a temporary's name says, or null when the name is not one of ours. */
export function parseTemporary(name: string): Temporary | null {
  const m = TEMPORARY.exec(name)
  if (!m) return null
  const kind = name.endsWith('.tmp') ? 'tmp' : name.includes('.staging-') ? 'staging' : 'old'
  return { target: m[1], pid: Number(m[2]), kind }
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(e) === 'EPERM'
  }
}

export interface CleanupAction {
  path: string
  action: 'removed' | 'restored'
}

/**
 * Removes the temporaries of dead writers in `dir` that `keep` selects (default: all), and renames a
 * dead writer's backup folder back when its target is missing (a kill between the two renames of a swap).
 */
export async function removeStaleTemporaries(
  dir: string,
  select: (name: string) => boolean = () => true
): Promise<CleanupAction[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const done: CleanupAction[] = []
  // Backups first: a restored folder makes the staging folder beside it plain garbage.
  const found = names.map((n) => ({ n, t: parseTemporary(n) })).filter((e) => e.t && select(e.n) && !alive(e.t.pid))
  found.sort((a, b) => Number(b.t!.kind === 'old') - Number(a.t!.kind === 'old'))
  for (const { n, t } of found) {
    const path = join(dir, n)
    if (t!.kind === 'old' && !existsSync(join(dir, t!.target))) {
      await rename(path, join(dir, t!.target))
      done.push({ path, action: 'restored' })
    } else {
      await rm(path, { recursive: true, force: true })
      done.push({ path, action: 'removed' })
    }
  }
  return done
}

/**
 * On start: the temporaries of dead writers under `root`, down to `depth` folder levels (user data →
 * models → a model → head/), removed or restored. Returns what was done, for the log.
 */
export async function cleanStaleTemporaries(root: string, depth = 3): Promise<CleanupAction[]> {
  const done = await removeStaleTemporaries(root)
  if (depth <= 0) return done
  let entries: { name: string; isDirectory(): boolean }[]
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch {
    return done
  }
  for (const e of entries) {
    if (e.isDirectory() && !parseTemporary(e.name) && e.name !== 'node_modules')
      done.push(...(await cleanStaleTemporaries(join(root, e.name), depth - 1)))
  }
  return done
}

/** A folder that was mid-swap when its writer died is put back (its backup renamed to its name). */
export async function recoverDir(dir: string): Promise<void> {
  const target = resolve(dir)
  if (existsSync(target)) return
  await removeStaleTemporaries(dirname(target), (n) => parseTemporary(n)?.target === basename(target))
}

async function syncDir(dir: string): Promise<void> {
  // A directory fsync makes the renames durable; some file systems refuse it, which changes nothing here.
  try {
    const fh = await open(dir, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  } catch {
    /* not supported */
  }
}

/** A fresh staging folder beside `target` whose name marks it as ours and as this process's. */
export async function makeStaging(target: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true })
  // What a killed earlier save of the same folder left goes first (a backup is restored if need be).
  await removeStaleTemporaries(dirname(target), (n) => parseTemporary(n)?.target === basename(target))
  return mkdtemp(join(dirname(target), `.${basename(target)}.${process.pid}.staging-`))
}

/**
 * Makes or replaces the folder `dir` in one step: `fill` writes the complete new content into a staging
 * folder beside it, then the old folder (if any) is renamed aside, the staging folder renamed into place
 * and the old one removed. With `carryOver`, files of the old folder that `fill` did not write are kept
 * (hard-linked, else copied), so a model folder's other files survive a re-save. If anything fails
 * before the swap, `dir` is untouched.
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (staging: string) => Promise<void>,
  opts: { carryOver?: boolean } = {}
): Promise<void> {
  const target = resolve(dir)
  await recoverDir(target)
  const staging = await makeStaging(target)
  try {
    await fill(staging)
    if (opts.carryOver && existsSync(target)) {
      const written = new Set(await readdir(staging))
      for (const e of await readdir(target, { withFileTypes: true })) {
        if (written.has(e.name) || parseTemporary(e.name)) continue
        const from = join(target, e.name),
          to = join(staging, e.name)
        if (e.isDirectory()) await cp(from, to, { recursive: true })
        else await link(from, to).catch(() => cp(from, to))
      }
    }
    await syncDir(staging)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
  if (!existsSync(target)) {
    await rename(staging, target)
    await syncDir(dirname(target))
    return
  }
  const old = join(dirname(target), `.${basename(target)}.${process.pid}.old-${randomBytes(6).toString('hex')}`)
  await rename(target, old)
  try {
    await rename(staging, target)
  } catch (err) {
    await rename(old, target)
    await rm(staging, { recursive: true, force: true })
    throw err
  }
  await syncDir(dirname(target))
  await rm(old, { recursive: true, force: true })
}

/**
 * Makes the folder `dir` (absent or empty) in one step: `fill` writes into a staging folder beside it,
 * which is then renamed into place; if anything fails the staging folder is removed and `dir` is untouched.
 */
export async function writeDirAtomic(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const target = resolve(dir)
  const staging = await makeStaging(target)
  try {
    await fill(staging)
    await syncDir(staging)
    // An empty target folder gives way; a non-empty one makes rmdir fail, so nothing is ever replaced.
    await rmdir(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e
    })
    await rename(staging, target)
    await syncDir(dirname(target))
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
}
