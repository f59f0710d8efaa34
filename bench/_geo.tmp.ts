import { loadImage } from '../src/main/vision/image.ts'
import { segmentScan } from '../src/main/vision/sheet.ts'
import { layoutPage } from '../src/main/vision/layout.ts'
import { readFileSync } from 'node:fs'
const files = readFileSync('/tmp/featin/m.txt', 'utf8').trim().split('\n')
for (const f of files) {
  const seg = await segmentScan(await loadImage('/tmp/featin/' + f))
  const boxes = layoutPage(seg.boxes).boxes.map((b) => b.box)
  if (boxes.length < 5) continue
  const asp = boxes.map((b) => b.w / b.h).sort((a, b) => a - b)
  const med = asp[asp.length >> 1]
  const flat = asp.filter((a) => a > 1.5).length / asp.length
  console.log(f, boxes.length, 'sheet', !!seg.sheet, 'asp', med.toFixed(2), 'flat', flat.toFixed(2))
}
