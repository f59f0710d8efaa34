// Benchmark: importing another tool's words (hOCR words with their boxes and text, no glyph boxes, as most tools
// write them) onto the hard evaluation pages. For every page of a `glyphdesk data pages` folder whose characters
// lie where the manifest drew them (every condition but the phone photos and `no-text`), a words-only hOCR is written from
// the ground truth (each word's box: the union of its characters' boxes, padded by a tenth of the cap height), and
// imported with the page image as `glyphdesk import` does. Printed per condition: the words aligned (their glyphs
// found and labelled with the word's letters) and the characters imported right (a box labelled with the right
// letter overlapping the drawn character by IoU ≥ 0.5), and the characters boxed (any box over the drawn character
// by IoU ≥ 0.5, whatever its label).
// `--glyphs detector|reader|forced` picks how words are cut into glyphs: the detector's boxes alone (no classifier),
// the reading stage's glyphs (then the detector's), or those and the forced alignment of the word's letters to the
// reader's candidates (the default, as `glyphdesk import` does). `--tesseract` imports Tesseract 5's own hOCR of
// each page (`tesseract IMAGE - --psm 6 hocr`, run here, single-threaded) instead of the ground truth's words: a
// tool's words with its own misreadings, where a word's letters may not be the page's.
//   npx tsx bench/import-align.ts [--model NAME] [--glyphs detector|reader|forced] [--tesseract] [--quiet] DIR [DIR ...]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { importOcrFile } from '../src/main/interchange/import.ts'
import { loadClassifier } from '../src/main/recognize/models.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    glyphs: { type: 'string', default: 'forced' },
    tesseract: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false }
  }
})
if (positionals.length === 0) {
  console.error('usage: npx tsx bench/import-align.ts [--model NAME] DIR [DIR ...]')
  process.exit(2)
}

interface ManifestPage {
  file: string
  condition: string
  capHeight: number
  width: number
  height: number
  lines: string[]
  chars: [string, number, number, number, number, number][]
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')

/** The page's words as a words-only hOCR, and every character with its drawn box. */
function wordsHocr(p: ManifestPage): {
  hocr: string
  truth: { ch: string; x0: number; y0: number; x1: number; y1: number }[]
} {
  const pad = Math.round(p.capHeight / 10)
  let k = 0
  const truth: { ch: string; x0: number; y0: number; x1: number; y1: number }[] = []
  const lines: string[] = []
  for (const line of p.lines) {
    const words: string[] = []
    for (const word of line.split(/\s+/).filter(Boolean)) {
      const cs = p.chars.slice(k, k + word.length)
      k += word.length
      for (const [ch, x0, y0, x1, y1] of cs) truth.push({ ch, x0, y0, x1, y1 })
      const x0 = Math.max(0, Math.min(...cs.map((c) => c[1])) - pad),
        y0 = Math.max(0, Math.min(...cs.map((c) => c[2])) - pad)
      const x1 = Math.min(p.width, Math.max(...cs.map((c) => c[3])) + pad),
        y1 = Math.min(p.height, Math.max(...cs.map((c) => c[4])) + pad)
      words.push(`<span class="ocrx_word" title="bbox ${x0} ${y0} ${x1} ${y1}; x_wconf 90">${esc(word)}</span>`)
    }
    lines.push(`<span class="ocr_line">${words.join(' ')}</span>`)
  }
  const hocr =
    `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title>` +
    `<meta name="ocr-system" content="ground truth"/></head><body>` +
    `<div class="ocr_page" title="image &quot;${esc(p.file)}&quot;; bbox 0 0 ${p.width} ${p.height}">` +
    lines.join('\n') +
    `</div></body></html>\n`
  return { hocr, truth }
}

function iou(a: { x0: number; y0: number; x1: number; y1: number }, b: { x: number; y: number; w: number; h: number }) {
  const ix = Math.max(0, Math.min(a.x1, b.x + b.w) - Math.max(a.x0, b.x))
  const iy = Math.max(0, Math.min(a.y1, b.y + b.h) - Math.max(a.y0, b.y))
  const inter = ix * iy
  return inter / ((a.x1 - a.x0) * (a.y1 - a.y0) + b.w * b.h - inter)
}

if (!['detector', 'reader', 'forced'].includes(values.glyphs!)) throw new Error('--glyphs detector|reader|forced')
const classifier = values.glyphs === 'detector' ? undefined : await loadClassifier(values.model)
const importOptions = { ...(classifier ? { classifier } : {}), forceAlign: values.glyphs === 'forced' }
const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-import-align-'))
const by = new Map<
  string,
  { words: number; aligned: number; chars: number; right: number; boxed: number; pages: number }
>()
try {
  for (const dir of positionals) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { pages: ManifestPage[] }
    for (const p of manifest.pages) {
      if (p.condition.startsWith('phone') || p.condition === 'no-text') continue
      const { hocr, truth } = wordsHocr(p)
      const file = join(scratch, `${p.file}.hocr`)
      writeFileSync(
        file,
        values.tesseract
          ? execFileSync('tesseract', [join(dir, p.file), '-', '--psm', '6', 'hocr'], {
              env: { ...process.env, OMP_THREAD_LIMIT: '1' },
              stdio: ['ignore', 'pipe', 'ignore']
            })
          : hocr
      )
      const { doc, report } = await importOcrFile(file, join(dir, p.file), importOptions)
      let right = 0,
        boxed = 0
      for (const t of truth) {
        if (doc.boxes.some((b) => b.label === t.ch && iou(t, b) >= 0.5)) right++
        if (doc.boxes.some((b) => iou(t, b) >= 0.5)) boxed++
      }
      for (const key of [p.condition, 'all']) {
        const s = by.get(key) ?? { words: 0, aligned: 0, chars: 0, right: 0, boxed: 0, pages: 0 }
        s.words += report.words
        s.aligned += report.alignedWords
        s.chars += truth.length
        s.right += right
        s.boxed += boxed
        s.pages++
        by.set(key, s)
      }
      if (!values.quiet)
        console.log(
          `${dir.split('/').pop()}/${p.file}  words aligned ${report.alignedWords}/${report.words}  chars right ${right}/${truth.length}  boxed ${boxed}`
        )
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`
for (const [k, s] of [...by].sort((a, b) => (a[0] === 'all' ? 1 : b[0] === 'all' ? -1 : a[0] < b[0] ? -1 : 1)))
  console.log(
    `${k.padEnd(16)} pages ${String(s.pages).padStart(3)}  words aligned ${pct(s.aligned, s.words).padStart(6)} (${s.aligned}/${s.words})  chars right ${pct(s.right, s.chars).padStart(6)} (${s.right}/${s.chars})  boxed ${pct(s.boxed, s.chars).padStart(6)}`
  )
