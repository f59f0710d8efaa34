// Data paths as model cards and reports record them: never a path of the machine that wrote them.
// A path inside the repository is kept relative to it; any other data file or folder by its logical name,
// the part below the data root (the nearest folder called `data`: /somewhere/data/nist26/x.mat →
// nist26/x.mat), else its folder and name. Readers compare a recorded path with one given on the command
// line by whole trailing components, so a card written on one machine still recognises its data on another.
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..')

/** The path as a card records it (relative to the repository, else logical); never absolute. */
export function portableDataPath(p: string): string {
  const abs = resolve(p)
  const inRepo = relative(REPO_ROOT, abs)
  if (inRepo !== '' && !inRepo.startsWith('..') && !isAbsolute(inRepo)) return inRepo.split(sep).join('/')
  const parts = abs.split(sep).filter(Boolean)
  const d = parts.lastIndexOf('data')
  if (d >= 0 && d < parts.length - 1) return parts.slice(d + 1).join('/')
  return parts.slice(-2).join('/')
}

/** True when `given` is the file or folder a card recorded as `recorded` (absolute, relative or logical). */
export function sameDataPath(recorded: string, given: string): boolean {
  const g = resolve(given)
  if (isAbsolute(recorded)) return resolve(recorded) === g
  if (resolve(REPO_ROOT, recorded) === g || resolve(recorded) === g) return true
  const r = recorded.split('/').filter(Boolean)
  const gp = g.split(sep).filter(Boolean)
  return r.length > 0 && r.length <= gp.length && r.every((c, i) => gp[gp.length - r.length + i] === c)
}

/** A recorded path resolved on this machine: absolute as is, else under the repository (may not exist). */
export function resolveDataPath(recorded: string): string {
  return isAbsolute(recorded) ? recorded : resolve(REPO_ROOT, recorded)
}

/** A command line as a card records it: every absolute argument (or --opt=/abs) as its portable path. */
export function portableCommand(cmd: string): string {
  return cmd
    .split(' ')
    .map((a) => {
      const m = /^(--[^=]+=)?(\/.*)$/.exec(a)
      return m ? (m[1] ?? '') + portableDataPath(m[2]) : a
    })
    .join(' ')
}
