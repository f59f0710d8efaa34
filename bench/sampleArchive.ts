// An "archive" for the batch benches (batch-archive.ts, jit-churn.ts): `pages` pages that are the sample pages in
// turn, as symbolic links named page-0000_01_list.jpg … in `scratch`/archive, listed in a manifest there.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export interface SampleArchive {
  /** The folder of the sample pages, resolved. */
  samplesDir: string
  /** The sample pages' file names, sorted. */
  samples: string[]
  /** The manifest listing the archive's pages. */
  manifest: string
  /** Each archive page's name without its extension → its sample's name without its extension. */
  sourceOf: Map<string, string>
}

export function sampleArchive(samples: string, pages: number, scratch: string): SampleArchive {
  const samplesDir = resolve(samples)
  const files = readdirSync(samplesDir)
    .filter((f) => /\.(jpe?g|png|tiff?)$/i.test(f))
    .sort()
  if (files.length === 0) throw new Error(`${samples} has no page images`)
  const archive = join(scratch, 'archive')
  mkdirSync(archive)
  const stem = (f: string) => f.replace(/\.[^.]+$/, '')
  const sourceOf = new Map<string, string>()
  const lines: string[] = []
  for (let i = 0; i < pages; i++) {
    const s = files[i % files.length]
    const name = `page-${String(i).padStart(4, '0')}_${s}`
    symlinkSync(join(samplesDir, s), join(archive, name))
    sourceOf.set(stem(name), stem(s))
    lines.push(name)
  }
  const manifest = join(archive, 'manifest.txt')
  writeFileSync(manifest, lines.join('\n') + '\n')
  return { samplesDir, samples: files, manifest, sourceOf }
}
