// A character n-gram language model over the 36 classes and the space: what the page decoder
// (read/decode.ts) asks "how likely is this character after these ones?". Interpolated Witten–Bell
// smoothing (Witten & Bell 1991; the form in Chen & Goodman 1998, eq. 16):
//
//   P(c | h) = (C(h c) + T(h) · P(c | h')) / (C(h) + T(h))
//
// with h' the context h without its oldest character, C(h) the times h was followed by anything, T(h) the
// number of distinct characters seen after h, and a uniform distribution below the empty context. A context
// never seen falls back to P(c | h') whole.
//
// Pruning keeps the shipped model small: counts below `minCount` in contexts of two or more characters are
// dropped and their mass joins the back-off share (C(h) + T(h) stays the denominator, the dropped count is
// added to T(h)'s share), so every distribution still sums to one. A context left with no kept successor is
// dropped whole; its longer contexts are then dropped too (a longer context's counts are at most its
// suffix's), so a lookup that misses a context can stop there.
//
// Digits as one class (`digitClass`, how the decoder reads the shipped model): the probability of a digit is the
// model's probability of any digit after the context, divided by ten. The shipped corpus's digits are the Bible's
// verse numbers, which start at 1 and never stand alone as 0, and WordNet's years and quantities; read one by one,
// the model says a lone 0 is e^2.6 times less likely than a lone O (with the Bible alone, ~50 000 times), and a 0
// inside a number less likely than a 1 or a 2: what a number is made of is not something that text knows, only
// where numbers stand and that digits run on. With the class, which digit is the classifier's to say. The contexts
// keep their digits, and the distribution still sums to one.
//
// The model is trained by scripts/build-char-lm.ts from public English text (the King James Bible and WordNet's
// glosses) and shipped in resources/lm/.
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { z } from 'zod'
import { errorMessage, InvalidInputError } from '../core/errors.ts'

/** The model's symbols: the 36 classes and the word break. */
export const LM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '
const V = LM_ALPHABET.length
const DIGIT0 = LM_ALPHABET.indexOf('0')
const LN10 = Math.log(10)

export interface CharLmOptions {
  /** Read digits as one class (see the top of this file). Default false: each digit on its own. */
  digitClass?: boolean
}

/** Text in the model's alphabet: upper case, every other character a space, runs of spaces one space. */
export function normaliseLmText(text: string): string {
  return text
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
}

/** One context's counts as stored: [context, C(h), T(h), successors, their kept counts]. */
const ContextRowSchema = z.tuple([
  z.string(),
  z.number().int(),
  z.number().int(),
  z.string(),
  z.array(z.number().int())
])
type ContextRow = z.infer<typeof ContextRowSchema>

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
/**
 * ContextRowSchema's check written out: the Bible-only model had ~26 000 rows and zod took longer over them
 * than parsing the JSON (about half of a cold load). Also checks what the schema does not: successors in
 * the alphabet, one count per successor.
 */
function isContextRow(v: unknown): v is ContextRow {
  if (!Array.isArray(v) || v.length !== 5) return false
  const [h, total, types, chars, counts] = v
  if (typeof h !== 'string' || !isCount(total) || !isCount(types) || typeof chars !== 'string') return false
  if (!Array.isArray(counts) || counts.length !== chars.length || !counts.every(isCount)) return false
  for (let k = 0; k < chars.length; k++) if (LM_ALPHABET.indexOf(chars[k]) < 0) return false
  return true
}

export const CharLmDataSchema = z.object({
  format: z.literal('glyphdesk-char-lm'),
  version: z.literal(1),
  order: z.number().int().min(1).max(8),
  alphabet: z.literal(LM_ALPHABET),
  minCount: z.number().int().min(1),
  /** Cross-entropy on held-out text, nats per character (what an average character costs; the decoder offsets it). */
  heldOutNatsPerChar: z.number().positive().optional(),
  contexts: z.array(ContextRowSchema)
})
export type CharLmData = z.infer<typeof CharLmDataSchema>

/** A language model file that cannot be read. */
export class CharLmError extends InvalidInputError {
  override name = 'CharLmError'
}

/**
 * Counts of `text` (already in the model's alphabet, see normaliseLmText) for a model of `order` (5 = four
 * characters of context). Each text given is counted separately, so nothing spans from one to the next.
 */
export function trainCharLm(texts: readonly string[], order: number, minCount = 1): CharLmData {
  const table = new Map<string, Int32Array>()
  for (const text of texts) {
    for (let i = 0; i < text.length; i++) {
      const c = LM_ALPHABET.indexOf(text[i])
      if (c < 0) throw new CharLmError(`character "${text[i]}" is not in the model's alphabet`)
      for (let n = 0; n < order && n <= i; n++) {
        const h = text.slice(i - n, i)
        let row = table.get(h)
        if (!row) table.set(h, (row = new Int32Array(V)))
        row[c]++
      }
    }
  }
  const contexts: CharLmData['contexts'] = []
  for (const [h, row] of [...table.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    let total = 0,
      types = 0,
      chars = ''
    const counts: number[] = []
    for (let c = 0; c < V; c++) {
      if (row[c] === 0) continue
      total += row[c]
      types++
      if (h.length >= 2 && row[c] < minCount) continue
      chars += LM_ALPHABET[c]
      counts.push(row[c])
    }
    if (counts.length > 0) contexts.push([h, total, types, chars, counts])
  }
  return { format: 'glyphdesk-char-lm', version: 1, order, alphabet: LM_ALPHABET, minCount, contexts }
}

interface Ctx {
  /** C(h) + T(h). */
  denom: number
  /** T(h) plus the pruned count: the weight of the lower order. */
  backoff: number
  counts: Float64Array
}

export class CharLm {
  readonly order: number
  /** Held-out cross-entropy in nats per character, when the model file records it. */
  readonly natsPerChar: number | undefined
  /** Digits are read as one class (CharLmOptions.digitClass). */
  readonly digitClass: boolean
  /**
   * The stored rows by context, as rows or (from a version-2 file) as their text line; each becomes a Ctx
   * the first time a lookup needs it.
   */
  private readonly rows: RowLookup
  private readonly table = new Map<string, Ctx>()
  private readonly cache = new Map<string, Float64Array>()

  /** `lines`: the rows of a version-2 file, looked up by context (then data.contexts is not read). */
  constructor(
    data: Pick<CharLmData, 'order' | 'heldOutNatsPerChar'> & { contexts: readonly ContextRow[] },
    lines?: RowLookup,
    opts: CharLmOptions = {}
  ) {
    this.order = data.order
    this.natsPerChar = data.heldOutNatsPerChar
    this.digitClass = opts.digitClass === true
    if (lines) this.rows = lines
    else {
      const byContext = new Map<string, ContextRow>()
      for (const row of data.contexts) byContext.set(row[0], row)
      this.rows = byContext
    }
    if (!this.rows.has('')) throw new CharLmError('the language model has no unigram counts')
  }

  /**
   * The counts of context h, built on first use: a page's decoding touches a few thousand of the shipped
   * model's ~51 000 contexts, and building them all cost more than the whole of a page's decoding.
   */
  private context(h: string): Ctx | undefined {
    const hit = this.table.get(h)
    if (hit) return hit
    const stored = this.rows.get(h)
    if (stored === undefined) return undefined
    const [, total, types, chars, counts] = typeof stored === 'string' ? parseRowLine(stored) : stored
    const row = new Float64Array(V)
    let kept = 0
    for (let k = 0; k < chars.length; k++) {
      row[LM_ALPHABET.indexOf(chars[k])] = counts[k]
      kept += counts[k]
    }
    const ctx = { denom: total + types, backoff: types + (total - kept), counts: row }
    this.table.set(h, ctx)
    return ctx
  }

  /** The distribution over LM_ALPHABET after `context` (only its last order − 1 characters count). */
  distribution(context: string): Float64Array {
    const h = context.length > this.order - 1 ? context.slice(context.length - (this.order - 1)) : context
    const hit = this.cache.get(h)
    if (hit) return hit
    const p = new Float64Array(V).fill(1 / V)
    for (let n = 0; n <= h.length; n++) {
      const e = this.context(h.slice(h.length - n))
      if (!e) break
      for (let c = 0; c < V; c++) p[c] = (e.counts[c] + e.backoff * p[c]) / e.denom
    }
    if (this.cache.size > 200_000) this.cache.clear()
    this.cache.set(h, p)
    return p
  }

  /** ln P(c | context). */
  logProb(context: string, c: string): number {
    const k = LM_ALPHABET.indexOf(c)
    if (k < 0) throw new CharLmError(`"${c}" is not in the language model's alphabet`)
    const p = this.distribution(context)
    if (!this.digitClass || k < DIGIT0 || k > DIGIT0 + 9) return Math.log(p[k])
    let digits = 0
    for (let d = DIGIT0; d <= DIGIT0 + 9; d++) digits += p[d]
    return Math.log(digits) - LN10
  }
}

/**
 * The file form written by scripts/build-char-lm.ts (version 2): the header, and every context row as one line
 * of text, `context TAB C(h) TAB T(h) TAB successors TAB count,count,…`, sorted by context. JSON.parse of version 1's
 * ~26 000 five-element arrays (the Bible-only model) took 55–125 ms of a cold start; one string parses in a few,
 * and a row is split only the first time a lookup needs its context.
 */
export function serialiseCharLm(data: CharLmData): string {
  const { contexts, ...head } = data
  const rows = contexts.map(
    ([h, total, types, chars, counts]) => `${h}\t${total}\t${types}\t${chars}\t${counts.join(',')}`
  )
  return JSON.stringify({ ...head, version: 2, rows: rows.join('\n') })
}

const CharLmFileV2Schema = CharLmDataSchema.omit({ contexts: true }).extend({ version: z.literal(2), rows: z.string() })

function parseRowLine(line: string): ContextRow {
  const [h, total, types, chars, counts] = line.split('\t')
  return [h, Number(total), Number(types), chars, counts.split(',').map(Number)]
}

/** The error for a file that is not a model, saying where. */
function notAModel(path: string, where: string): CharLmError {
  return new CharLmError(`${path} is not a Glyphdesk character language model: ${where}`)
}

/** What the model asks of its stored rows: a context's row, or its text line, by the context. */
interface RowLookup {
  get(h: string): ContextRow | string | undefined
  has(h: string): boolean
}

const isRowChar = (c: number) => c === 32 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)
const isDigitCode = (c: number) => c >= 48 && c <= 57

/**
 * A version-2 file's rows, checked and indexed in one pass over their text: every line must be a context row (as
 * isContextRow checks a row: a context in the alphabet, two counts, successors in the alphabet, one count per
 * successor) and the lines must stand in increasing order of their contexts, as serialiseCharLm writes them
 * (trainCharLm sorts). A context's line is then found by binary search the first time a lookup needs it. Splitting
 * the text into lines, a pattern per line and a map of every context cost ~65 ms of a cold start with the
 * shipped model (50 734 rows); this pass costs ~25 ms (the whole load 70–90 ms, gunzip and JSON.parse included).
 */
class RowText implements RowLookup {
  private constructor(
    private readonly text: string,
    /** Start of each line, and one past the end of the last (text.length + 1). */
    private readonly starts: Int32Array
  ) {}

  static parse(path: string, text: string): RowText {
    const starts: number[] = []
    const bad = (line: number, why = 'is not a context row') => notAModel(path, `rows line ${line} ${why}`)
    let pos = 0,
      prevStart = -1,
      prevEnd = -1
    while (text.length > 0 && pos <= text.length) {
      const line = starts.length + 1
      const start = pos
      while (pos < text.length && isRowChar(text.charCodeAt(pos))) pos++
      const ctxEnd = pos
      if (text.charCodeAt(pos) !== 9) throw bad(line)
      for (let field = 0; field < 2; field++) {
        const from = ++pos
        while (isDigitCode(text.charCodeAt(pos))) pos++
        if (pos === from || text.charCodeAt(pos) !== 9) throw bad(line)
      }
      const succ = ++pos
      while (pos < text.length && isRowChar(text.charCodeAt(pos))) pos++
      const successors = pos - succ
      if (successors === 0 || text.charCodeAt(pos) !== 9) throw bad(line)
      let counts = 0
      for (;;) {
        const from = ++pos
        while (isDigitCode(text.charCodeAt(pos))) pos++
        if (pos === from) throw bad(line)
        counts++
        if (text.charCodeAt(pos) !== 44) break
      }
      if (pos < text.length && text.charCodeAt(pos) !== 10) throw bad(line)
      if (counts !== successors) throw bad(line)
      if (prevStart >= 0 && compareRanges(text, prevStart, prevEnd, text, start, ctxEnd) >= 0)
        throw bad(line, 'is out of order (rows are sorted by context)')
      starts.push(start)
      prevStart = start
      prevEnd = ctxEnd
      pos++
    }
    starts.push(text.length + 1)
    return new RowText(text, Int32Array.from(starts))
  }

  /** The line of context h, or undefined. */
  get(h: string): string | undefined {
    let lo = 0,
      hi = this.starts.length - 2
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const start = this.starts[mid]
      const c = compareRanges(this.text, start, this.text.indexOf('\t', start), h, 0, h.length)
      if (c === 0) return this.text.slice(start, this.starts[mid + 1] - 1)
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }

  has(h: string): boolean {
    return this.get(h) !== undefined
  }
}

/** Code-unit order of x[x0, x1) against y[y0, y1). */
function compareRanges(x: string, x0: number, x1: number, y: string, y0: number, y1: number): number {
  const n = Math.min(x1 - x0, y1 - y0)
  for (let k = 0; k < n; k++) {
    const d = x.charCodeAt(x0 + k) - y.charCodeAt(y0 + k)
    if (d !== 0) return d
  }
  return x1 - x0 - (y1 - y0)
}

/** Reads a model file written by scripts/build-char-lm.ts (gzipped JSON, or plain JSON; version 2 or 1). */
export function loadCharLm(path: string, opts: CharLmOptions = {}): CharLm {
  let raw: unknown
  try {
    const bytes = readFileSync(path)
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8')
    raw = JSON.parse(text)
  } catch (e) {
    throw new CharLmError(`cannot read the language model ${path}: ${errorMessage(e)}`)
  }
  if (typeof raw === 'object' && raw !== null && 'version' in raw && raw.version === 2) {
    const d2 = CharLmFileV2Schema.safeParse(raw)
    if (!d2.success) throw notAModel(path, `${d2.error.issues[0]?.path.join('.')}: ${d2.error.issues[0]?.message}`)
    const { rows, ...head } = d2.data
    return new CharLm({ ...head, contexts: [] }, RowText.parse(path, rows), opts)
  }
  // The header through the schema, the rows through isContextRow (same checks, a fraction of the time).
  const d = CharLmDataSchema.extend({ contexts: z.array(z.unknown()) }).safeParse(raw)
  if (!d.success) throw notAModel(path, `${d.error.issues[0]?.path.join('.')}: ${d.error.issues[0]?.message}`)
  const contexts: ContextRow[] = []
  for (const [i, row] of d.data.contexts.entries()) {
    if (!isContextRow(row)) throw notAModel(path, `contexts.${i} is not a context row`)
    contexts.push(row)
  }
  return new CharLm({ ...d.data, contexts }, undefined, opts)
}
