import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/** The one field of package.json Glyphdesk reads about itself; a package.json without it fails at start, by name. */
const PackageVersionSchema = z.object({ version: z.string() })

export const GLYPHDESK_VERSION: string = PackageVersionSchema.parse(
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8'))
).version

/** The commit the code ran from, when it runs from a git checkout (recorded in model cards). */
export function gitCommit(): string | null {
  try {
    const r = spawnSync('git', ['rev-parse', 'HEAD'], {
      cwd: dirname(fileURLToPath(import.meta.url)),
      encoding: 'utf8',
      timeout: 5000
    })
    if (r.status !== 0) return null
    const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: dirname(fileURLToPath(import.meta.url)),
      encoding: 'utf8',
      timeout: 5000
    })
    return r.stdout.trim() + (dirty.stdout?.trim() ? '+uncommitted' : '')
  } catch {
    return null
  }
}
