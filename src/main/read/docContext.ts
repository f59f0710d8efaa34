// Letters and digits in context for a page already segmented, as the app has it after a person edited
// boxes: each line of the PageDoc becomes a chain lattice (one segment per box, its spaces fixed by the
// document's words) and the decoder (read/decode.ts) rereads the labels with the language model. A box's
// class probabilities are its top-3 (the rest of the mass shared evenly); a box a person labelled is held
// to that label. This replaces the look-alike rule of read/wordContext.ts for rereading edited boxes.
// The person's own words (tokens of two or more letters they labelled whole) join the lexicon.
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import { boxesByLine, type PageBox, type PageDoc } from '../../shared/pagedoc.ts'
import type { CharLm } from './charLm.ts'
import { decodeLine, type DecodeLattice, type DecoderOptions } from './decode.ts'

/** Words of two or more characters whose every box a person labelled (in the app: typed or confirmed). */
export function userWords(docs: readonly PageDoc[]): string[] {
  const out: string[] = []
  for (const doc of docs) {
    for (const line of boxesByLine(doc)) {
      let cur: PageBox[] = []
      const flush = () => {
        if (cur.length >= 2 && cur.every((b) => b.userLabel !== undefined))
          out.push(cur.map((b) => b.userLabel!).join(''))
        cur = []
      }
      line.forEach((b, i) => {
        if (i > 0 && b.word !== line[i - 1].word) flush()
        cur.push(b)
      })
      flush()
    }
  }
  return out
}

function boxProbs(b: PageBox): Float32Array {
  const p = new Float32Array(NUM_CLASSES)
  if (b.userLabel !== undefined) {
    p[CLASSES.indexOf(b.userLabel)] = 1
    return p
  }
  const top = b.top3 ?? (b.label ? [{ label: b.label, p: b.confidence ?? 1 }] : [])
  const given = top.reduce((s, t) => s + t.p, 0)
  p.fill(Math.max(0, 1 - given) / (NUM_CLASSES - top.length))
  for (const t of top) p[CLASSES.indexOf(t.label)] = t.p
  return p
}

/**
 * The document with every unlabelled box reread in its line's context (boxes whose label changes get the
 * probability of their new label as confidence). Boxes without any reading are left alone, and a line
 * holding one is not reread (its context is unknown).
 */
export function applyDecoderContext(doc: PageDoc, lm: CharLm, opts: Omit<DecoderOptions, 'lm'> = {}): PageDoc {
  const changed = new Map<string, { label: string; confidence: number }>()
  for (const line of boxesByLine(doc)) {
    if (line.length === 0 || line.some((b) => b.userLabel === undefined && b.label === undefined)) continue
    const lat: DecodeLattice = {
      nodes: line.length + 1,
      edges: line.map((b, i) => ({ from: i, to: i + 1, probs: boxProbs(b), prior: 0 })),
      // The document's words are kept as they are: a space is certain where they change, absent elsewhere.
      space: Array.from({ length: line.length + 1 }, (_, k) =>
        k === 0 || k === line.length ? null : line[k].word !== line[k - 1].word ? 1 : 0
      )
    }
    const [best] = decodeLine(lat, { ...opts, lm, confidentGap: 0.5, nBest: 1 })
    if (!best) continue
    best.steps.forEach((st) => {
      const b = line[st.edge]
      if (b.userLabel === undefined && st.label !== b.label)
        changed.set(b.id, { label: st.label, confidence: lat.edges[st.edge].probs[CLASSES.indexOf(st.label)] })
    })
  }
  return { ...doc, boxes: doc.boxes.map((b) => (changed.has(b.id) ? { ...b, ...changed.get(b.id)! } : b)) }
}
