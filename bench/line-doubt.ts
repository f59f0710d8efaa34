// What the classifier thinks of each line it reads, against where the page's writing really is: for every line
// of a hard page set (glyphdesk data pages), its boxes, the share of them read with confidence ≥ 0.5, their
// median confidence, and how many of them lie on drawn characters (a box whose centre is inside a drawn
// character's box, from the set's manifest). A line none of whose boxes lies on writing is read from the desk, a
// shadow or a stain. Written for the line-level clutter test (read/notWriting.ts#lineLooksLikeClutter): its
// constants are chosen from this bench's output on tuning pages.
//   npx tsx bench/line-doubt.ts DIR [--json FILE] [--only PREFIX,...] [--set lines.off=1]
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { defaultCharLm, lexicon } from '../src/main/read/readLines.ts'
import { transcribe } from '../src/main/read/transcribe.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { segmentScan } from '../src/main/vision/sheet.ts'
import { boxesByLine } from '../src/shared/pagedoc.ts'
import { pageImages } from './pageFiles.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'string' }, only: { type: 'string' } }
})
const dir = positionals[0]
if (!dir) throw new Error('usage: npx tsx bench/line-doubt.ts DIR [--json FILE] [--only PREFIX,...]')

interface ManifestPage {
  file: string
  condition: string
  chars: [string, number, number, number, number, number][]
}

interface LineRow {
  page: string
  condition: string
  line: number
  text: string
  boxes: number
  onWriting: number
  sure: number
  medianConf: number
  meanConf: number
  detector: number
}

async function main() {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { pages: ManifestPage[] }
  const byFile = new Map(manifest.pages.map((p) => [p.file, p]))
  const classifier = await loadClassifier()
  defaultCharLm()
  lexicon()
  const files = pageImages(dir, values.only)
  const rows: LineRow[] = []
  for (const f of files) {
    const page = byFile.get(f)
    if (!page) continue
    const image = await loadImage(readFileSync(join(dir, f)), { name: f })
    const seg = await segmentScan(image)
    const { doc } = await transcribe(image, classifier, { lm: true, segmentation: seg })
    const lines = boxesByLine(doc)
    lines.forEach((bs, li) => {
      if (bs.length === 0) return
      const conf = bs.map((b) => b.confidence ?? 0).sort((a, b) => a - b)
      const on = bs.filter((b) => {
        const cx = b.x + b.w / 2,
          cy = b.y + b.h / 2
        return page.chars.some(([, x0, y0, x1, y1]) => cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1)
      }).length
      rows.push({
        page: f,
        condition: page.condition,
        line: li,
        text: bs.map((b) => b.label ?? '?').join(''),
        boxes: bs.length,
        onWriting: on,
        sure: bs.filter((b) => (b.confidence ?? 0) >= 0.5).length,
        medianConf: conf[conf.length >> 1],
        meanConf: conf.reduce((a, b) => a + b, 0) / conf.length,
        detector: bs.filter((b) => b.source === 'detector').length
      })
    })
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(rows))
  const phantom = rows.filter((r) => r.onWriting === 0)
  const partial = rows.filter((r) => r.onWriting > 0 && r.onWriting < r.boxes)
  console.log(
    `${rows.length} lines, ${phantom.length} with no box on writing, ${partial.length} with some boxes off it`
  )
  for (const r of [...phantom, ...partial])
    console.log(
      `${r.page} line ${r.line} "${r.text}": ${r.onWriting}/${r.boxes} on writing, sure ${r.sure}, median conf ${r.medianConf.toFixed(2)}`
    )
}
void main()
