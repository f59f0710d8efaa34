// Page-level evaluation: a folder of page images, each with a same-name .txt ground truth (one line per
// text line), read end to end and scored.
//  - cer: Levenshtein distance / ground-truth length over the text with spaces and line breaks;
//    cerNoSpace: the same over the characters alone.
//  - detection: ground-truth characters matched by a box / ground-truth characters. Matching aligns the
//    predicted characters of each line with the ground truth by edit distance; a substitution counts as a
//    matched box (the box is there, only its label is wrong), a deletion as a missed character and an
//    insertion as an extra box. Lines are paired in order when the line counts agree, else the whole page
//    is aligned as one sequence.
//  - oracle: with every box given its correct label (possible when each line has exactly as many boxes
//    as ground-truth characters), the assembled text — lines, order, spaces — must equal the ground
//    truth; `oracleExact` says whether it did (null when box counts differ).
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { assembleText, boxesByLine, type PageDoc } from '../../shared/pagedoc.ts'
import type { Classifier } from '../recognize/classifier.ts'
import { loadImage, type LoadImageOptions } from '../vision/image.ts'
import { transcribe, type TranscribeOptions } from './transcribe.ts'

export interface Detection {
  matched: number
  missed: number
  extra: number
  /** matched / ground-truth characters. */
  rate: number
}

export interface PageEval {
  name: string
  cer: number
  cerNoSpace: number
  wordAccuracy: number
  linesFound: number
  linesExpected: number
  boxes: number
  chars: number
  boxesPerLine: number[]
  charsPerLine: number[]
  detection: Detection
  oracleExact: boolean | null
  ms: number
  text: string
}

export interface EvalResult {
  pages: PageEval[]
  overall: { cer: number; cerNoSpace: number; wordAccuracy: number; detection: Detection; chars: number; boxes: number }
}

export function levenshtein(a: string, b: string): number {
  const m = a.length,
    n = b.length
  let prev = new Int32Array(n + 1),
    cur = new Int32Array(n + 1)
  for (let j = 0; j <= n; j++) prev[j] = j
  for (let i = 1; i <= m; i++) {
    cur[0] = i
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    ;[prev, cur] = [cur, prev]
  }
  return prev[n]
}

/**
 * Edit-distance alignment of predicted characters to ground truth: for each ground-truth character, the predicted
 * one aligned to it (itself, or a substitution), or '' where it was missed; and how many predicted characters
 * match none (extra). Ties go to a match or substitution, then to an extra character, then to a missed one.
 */
export function alignChars(pred: string, gt: string): { became: string[]; extra: number } {
  const m = pred.length,
    n = gt.length
  const d = new Int32Array((m + 1) * (n + 1))
  const at = (i: number, j: number) => i * (n + 1) + j
  for (let i = 0; i <= m; i++) d[at(i, 0)] = i
  for (let j = 0; j <= n; j++) d[at(0, j)] = j
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      d[at(i, j)] = Math.min(
        d[at(i - 1, j)] + 1,
        d[at(i, j - 1)] + 1,
        d[at(i - 1, j - 1)] + (pred[i - 1] === gt[j - 1] ? 0 : 1)
      )
    }
  }
  const became = new Array<string>(n).fill('')
  let i = m,
    j = n,
    extra = 0
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[at(i, j)] === d[at(i - 1, j - 1)] + (pred[i - 1] === gt[j - 1] ? 0 : 1)) {
      became[j - 1] = pred[i - 1]
      i--
      j--
    } else if (i > 0 && d[at(i, j)] === d[at(i - 1, j)] + 1) {
      extra++
      i--
    } else j--
  }
  return { became, extra }
}

/** alignChars counted: matches+substitutions, ground-truth characters missed, predicted characters extra. */
export function alignCounts(pred: string, gt: string): { matched: number; missed: number; extra: number } {
  const { became, extra } = alignChars(pred, gt)
  const missed = became.filter((c) => c === '').length
  return { matched: became.length - missed, missed, extra }
}

function wordHits(pred: string, gt: string): number {
  const left = new Map<string, number>()
  for (const w of gt.split(/\s+/).filter(Boolean)) left.set(w, (left.get(w) ?? 0) + 1)
  let hits = 0
  for (const w of pred.split(/\s+/).filter(Boolean)) {
    const k = left.get(w) ?? 0
    if (k > 0) {
      hits++
      left.set(w, k - 1)
    }
  }
  return hits
}

/** The text the pipeline would produce if every box were labelled correctly; null when box counts per line differ from the ground truth. */
export function oracleText(doc: PageDoc, gtLines: string[]): string | null {
  const lines = boxesByLine(doc).filter((l) => l.length > 0)
  if (lines.length !== gtLines.length) return null
  const labelled: PageDoc = { ...doc, boxes: [] }
  for (let li = 0; li < lines.length; li++) {
    const chars = gtLines[li].replace(/\s+/g, '')
    if (chars.length !== lines[li].length) return null
    lines[li].forEach((b, k) => labelled.boxes.push({ ...b, userLabel: chars[k] }))
  }
  return assembleText(labelled)
}

export interface EvalPagesOptions extends TranscribeOptions {
  load?: LoadImageOptions
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp', '.webp'])

export async function evalPages(dir: string, classifier: Classifier, opts: EvalPagesOptions = {}): Promise<EvalResult> {
  const files = (await readdir(dir)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort()
  const pages: PageEval[] = []
  for (const f of files) {
    const name = f.slice(0, -extname(f).length)
    let gtRaw: string
    try {
      gtRaw = await readFile(join(dir, `${name}.txt`), 'utf8')
    } catch {
      continue
    }
    const gtLines = gtRaw
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter((l) => l.length > 0)
    const t0 = performance.now()
    const bytes = await readFile(join(dir, f))
    const image = await loadImage(bytes, { ...opts.load, name: f })
    const { doc } = await transcribe(image, classifier, { ...opts, path: join(dir, f) })
    const ms = performance.now() - t0
    const text = assembleText(doc)
    const predLines = text.split('\n').filter((l) => l.length > 0)
    const gtText = gtLines.join('\n')
    const strip = (s: string) => s.replace(/\s+/g, '')
    const chars = strip(gtText).length
    let matched = 0,
      missed = 0,
      extra = 0
    const add = (c: { matched: number; missed: number; extra: number }) => {
      matched += c.matched
      missed += c.missed
      extra += c.extra
    }
    if (predLines.length === gtLines.length) gtLines.forEach((g, i) => add(alignCounts(strip(predLines[i]), strip(g))))
    else add(alignCounts(strip(text), strip(gtText)))
    const oracle = oracleText(doc, gtLines)
    const gtWords = gtText.split(/\s+/).filter(Boolean).length
    pages.push({
      name,
      cer: levenshtein(text, gtText) / Math.max(1, gtText.length),
      cerNoSpace: levenshtein(strip(text), strip(gtText)) / Math.max(1, chars),
      wordAccuracy: wordHits(text, gtText) / Math.max(1, gtWords),
      linesFound: predLines.length,
      linesExpected: gtLines.length,
      boxes: doc.boxes.length,
      chars,
      boxesPerLine: boxesByLine(doc)
        .filter((l) => l.length > 0)
        .map((l) => l.length),
      charsPerLine: gtLines.map((l) => strip(l).length),
      detection: { matched, missed, extra, rate: matched / Math.max(1, chars) },
      oracleExact: oracle === null ? null : oracle === gtText,
      ms,
      text
    })
  }
  const sum = (k: (p: PageEval) => number) => pages.reduce((s, p) => s + k(p), 0)
  const chars = sum((p) => p.chars)
  const det = {
    matched: sum((p) => p.detection.matched),
    missed: sum((p) => p.detection.missed),
    extra: sum((p) => p.detection.extra)
  }
  return {
    pages,
    overall: {
      // Character-weighted means of the per-page rates.
      cer: sum((p) => p.cer * p.chars) / Math.max(1, chars),
      cerNoSpace: sum((p) => p.cerNoSpace * p.chars) / Math.max(1, chars),
      wordAccuracy: sum((p) => p.wordAccuracy * p.chars) / Math.max(1, chars),
      detection: { ...det, rate: det.matched / Math.max(1, chars) },
      chars,
      boxes: sum((p) => p.boxes)
    }
  }
}
