// Word context for the letter/digit look-alikes (O/0, I/1, S/5, Z/2, G/6, B/8 …). A glyph alone
// cannot always tell O from 0 — many hands and fonts draw them the same — but its word can: in
// "1234567890" the last glyph is a zero, in "TO DO" the second is an O. When the other characters
// of a word are (nearly) all digits, a glyph read as a letter becomes the best digit among its
// top-3 if that digit is not much less likely, and the same the other way round for letters.
// The person's own labels are never touched, and single-character words have no context.
import { isDigit } from '../../shared/classes.ts'
import type { PageBox, PageDoc } from '../../shared/pagedoc.ts'

export interface WordContextOptions {
  /** Share of the word's other characters that must be of one kind (digits or letters). */
  majority: number
  /** A top-3 candidate of the majority kind wins when its probability is at least this share of the top-1's. */
  minRatio: number
}

export const DEFAULT_WORD_CONTEXT: WordContextOptions = { majority: 0.75, minRatio: 0.2 }

function kind(b: PageBox): 'digit' | 'letter' | null {
  const c = b.userLabel ?? b.label
  return c === undefined ? null : isDigit(c) ? 'digit' : 'letter'
}

/** Returns a new PageDoc with look-alikes resolved by word context (boxes that change get the candidate's p as confidence). */
export function applyWordContext(doc: PageDoc, opts: WordContextOptions = DEFAULT_WORD_CONTEXT): PageDoc {
  const words = new Map<string, number[]>()
  doc.boxes.forEach((b, i) => {
    const key = `${b.line}:${b.word}`
    const list = words.get(key)
    if (list) list.push(i)
    else words.set(key, [i])
  })
  const boxes = doc.boxes.slice()
  for (const members of words.values()) {
    if (members.length < 2) continue
    for (const i of members) {
      const b = boxes[i]
      if (b.userLabel !== undefined || !b.label || !b.top3 || b.top3.length === 0) continue
      let digits = 0,
        letters = 0
      for (const j of members) {
        if (j === i) continue
        const k = kind(doc.boxes[j])
        if (k === 'digit') digits++
        else if (k === 'letter') letters++
      }
      const others = digits + letters
      if (others === 0) continue
      const want = digits / others >= opts.majority ? 'digit' : letters / others >= opts.majority ? 'letter' : null
      if (!want || (want === 'digit') === isDigit(b.label)) continue
      const top = b.top3[0]
      const candidate = b.top3.find((t) => (want === 'digit') === isDigit(t.label))
      if (candidate && candidate.p >= opts.minRatio * top.p)
        boxes[i] = { ...b, label: candidate.label, confidence: candidate.p }
    }
  }
  return { ...doc, boxes }
}
