// A page the classifier cannot read is not writing. A desk's wood grain, a keyboard or a patterned cloth
// segments into letter-sized strokes, and no shape rule tells all of them from handwriting; but the
// classifier is unsure of most of them, while on pages of writing — even the hard ones, touching and
// broken letters included — it is sure of most characters. When fewer than half of a page's boxes are read
// with confidence ≥ NOT_WRITING_CONFIDENCE, the page has no text: its boxes and lines are dropped.
import type { PageDoc } from '../../shared/pagedoc.ts'

/** The confidence most characters of a page of writing reach (the median page of writing is far above it). */
export const NOT_WRITING_CONFIDENCE = 0.5

/** Whether the page's detected boxes look like clutter to the classifier (median confidence below the bar). */
export function looksLikeClutter(doc: PageDoc): boolean {
  const conf = doc.boxes.filter((b) => b.source === 'detector').map((b) => b.confidence ?? 0)
  if (conf.length === 0) return false
  const sure = conf.filter((c) => c >= NOT_WRITING_CONFIDENCE).length
  return sure < conf.length / 2
}

/** The page without its boxes and lines when it looks like clutter; otherwise the page unchanged. */
export function dropClutterPage(doc: PageDoc): PageDoc {
  if (!looksLikeClutter(doc)) return doc
  return { ...doc, boxes: doc.boxes.filter((b) => b.source !== 'detector'), lines: [] }
}
