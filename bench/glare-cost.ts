// What the glare stretch (vision/glare.ts) costs a page that has no glare: segmentScan over a folder's images with
// SegmentOptions.restoreGlare on and off, alternated nine times, medians of the whole folder's time.
//   npx tsx bench/glare-cost.ts resources/samples
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pageImages } from './pageFiles.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { segmentScan } from '../src/main/vision/sheet.ts'
import { median } from '../src/shared/stats.ts'
const dir = process.argv[2]
if (!dir) throw new Error('usage: npx tsx bench/glare-cost.ts DIR')
const files = pageImages(dir)
const imgs = await Promise.all(files.map((f) => loadImage(readFileSync(join(dir, f)), { name: f })))
const t: Record<string, number[]> = { on: [], off: [] }
for (let rep = 0; rep < 9; rep++)
  for (const mode of rep % 2 ? ['on', 'off'] : ['off', 'on']) {
    const t0 = performance.now()
    for (const im of imgs) await segmentScan(im, { restoreGlare: mode === 'on' })
    t[mode].push(performance.now() - t0)
  }
console.log(`on ${median(t.on).toFixed(0)} ms, off ${median(t.off).toFixed(0)} ms (medians of 9, ${imgs.length} pages)`)
