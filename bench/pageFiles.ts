// The page images of a folder (glyphdesk data pages, or any folder of scans), for the benches that read one.
import { readdirSync } from 'node:fs'
import { extname } from 'node:path'

/** The PNG and JPEG files of `dir`, sorted; with `only` (comma-separated prefixes), those whose name starts with one. */
export function pageImages(dir: string, only?: string): string[] {
  return readdirSync(dir)
    .filter((f) => ['.png', '.jpg', '.jpeg'].includes(extname(f).toLowerCase()))
    .filter((f) => !only || only.split(',').some((p) => f.startsWith(p)))
    .sort()
}
