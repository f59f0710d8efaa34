// Plain-text and JSON exports of a PageDoc.
import { assembleText, type PageDoc, PageDocSchema } from '../../shared/pagedoc.ts'

/** Lines of text, a space between words, user labels over predictions; ends with a newline. */
export function exportText(doc: PageDoc): string {
  return assembleText(doc) + '\n'
}

/** The PageDoc itself, validated, pretty-printed. */
export function exportJson(doc: PageDoc): string {
  return JSON.stringify(PageDocSchema.parse(doc), null, 2) + '\n'
}
