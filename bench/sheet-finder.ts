// Benchmark: the sheet finder (vision/sheet.ts#probeSheet) on folders of photos, one line a photo: the finder's
// reason ("found", "found (joined across a shadow)", or why a candidate was refused), whether the frame was taken
// for a shaded page, and, where the photo's folder has a `glyphdesk data pages` manifest with the sheet's corners,
// the largest corner error as a share of the sheet's top side. A folder of links (say, the phone photos of several
// seeds in one place) works: each link is followed to its own folder's manifest. Last, how many sheets were found
// and how many of those within 3% of the truth.
//   npx tsx bench/sheet-finder.ts DIR [DIR ...]
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import { loadImage } from '../src/main/vision/image.ts'
import { probeSheet } from '../src/main/vision/sheet.ts'

const Manifest = z.object({
  pages: z.array(z.object({ file: z.string(), sheet: z.array(z.tuple([z.number(), z.number()])).optional() }))
})
const manifests = new Map<string, z.infer<typeof Manifest>>()
function truthFor(file: string): [number, number][] | undefined {
  const real = realpathSync(file)
  const path = join(dirname(real), 'manifest.json')
  if (!manifests.has(path))
    manifests.set(path, existsSync(path) ? Manifest.parse(JSON.parse(readFileSync(path, 'utf8'))) : { pages: [] })
  return manifests.get(path)!.pages.find((p) => p.file === basename(real))?.sheet
}

const dirs = process.argv.slice(2)
if (dirs.length === 0) {
  console.error('usage: npx tsx bench/sheet-finder.ts DIR [DIR ...]')
  process.exit(2)
}
let photos = 0,
  found = 0,
  within = 0,
  withTruth = 0
for (const dir of dirs) {
  for (const f of readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()) {
    const path = join(dir, f)
    const r = await probeSheet(await loadImage(path))
    const truth = truthFor(path)
    photos++
    let error = ''
    if (r.sheet) found++
    if (r.sheet && truth) {
      withTruth++
      const side = Math.hypot(truth[1][0] - truth[0][0], truth[1][1] - truth[0][1])
      const e = Math.max(...r.sheet.corners.map(([x, y], i) => Math.hypot(x - truth[i][0], y - truth[i][1]))) / side
      if (e < 0.03) within++
      error = `  corner error ${(100 * e).toFixed(1)}%`
    }
    console.log(`${basename(dir)}/${f}  ${r.reason}${r.shadedPage ? '  (shaded page)' : ''}${error}`)
  }
}
console.log(`sheets found ${found} of ${photos}; of those with a true sheet, within 3%: ${within} of ${withTruth}`)
