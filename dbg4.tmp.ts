import { loadImage } from './src/main/vision/image.ts'
import { segmentPage } from './src/main/vision/segment.ts'
const im = await loadImage(process.argv[2])
const seg = await segmentPage(im, { removeRules: false })
const b = seg.binary
const [xa, xb, ya, yb] = process.argv.slice(3).map(Number)
for (let x = xa; x <= xb; x++) {
  const runs: string[] = []
  let y = ya
  while (y < yb) {
    if (!b.data[y * b.width + x]) { y++; continue }
    const y0 = y
    while (y < yb && b.data[y * b.width + x]) y++
    runs.push(`${y0}-${y - 1}`)
  }
  console.log(x, runs.join(' '))
}
// rows around the top line
for (let y = ya; y < ya + 40; y++) {
  let s = ''
  for (let x = xa - 60; x < xb + 60; x++) s += b.data[y * b.width + x] ? '#' : '.'
  console.log(String(y).padStart(4), s)
}
