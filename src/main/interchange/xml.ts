// Safe XML reading for imported OCR files (hOCR, ALTO, PAGE XML): a file becomes a small element tree, or
// an InterchangeError with one line a person can act on.
//
// Parser: saxes (npm `saxes`, the strict, namespace-aware streaming parser jsdom uses). It checks
// well-formedness, knows only XML's five predefined entities and character references, and never expands
// entities a document declares: a reference to one is an error. On top of that a DOCTYPE that declares
// entities is refused outright (a "billion laughs" bomb is rejected before any reference is reached), and a
// file larger than `MAX_FILE_BYTES` is refused from its size alone, before a byte of it is read.
import { SaxesParser, type SaxesTagNS } from 'saxes'
import { InvalidInputError } from '../core/errors.ts'

/** Why an OCR file could not be imported (bad input: 422 in the app, exit 1 in the CLI); the message is one line. */
export class InterchangeError extends InvalidInputError {
  override name = 'InterchangeError'
}

/** The largest OCR file Glyphdesk reads (a page's PAGE XML with every glyph is well under 10 MB). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024

export interface XmlElement {
  /** Local name (no prefix). */
  name: string
  /** Namespace URI ('' for none). */
  ns: string
  /** Attributes by local name (prefixed ones, e.g. xml:lang, by their full name too). */
  attrs: Record<string, string>
  children: XmlElement[]
  /** The element's own text (not its children's), concatenated. */
  text: string
}

export function parseXml(xml: string, file: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true })
  const stack: XmlElement[] = []
  let root: XmlElement | null = null
  // The first error ends the parse (throwing out of write), so a garbage file is not scanned to its end.
  parser.on('error', (e) => {
    throw e
  })
  parser.on('doctype', (d) => {
    if (/<!ENTITY/i.test(d))
      throw new InterchangeError(
        `${file} declares XML entities in its DOCTYPE; Glyphdesk does not expand entities (a "billion laughs" file can exhaust memory), so it refuses the file`
      )
  })
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs: Record<string, string> = {}
    for (const a of Object.values(tag.attributes)) {
      attrs[a.local] = a.value
      if (a.prefix) attrs[a.name] = a.value
    }
    const el: XmlElement = { name: tag.local, ns: tag.uri, attrs, children: [], text: '' }
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(el)
    else root = el
    stack.push(el)
  })
  parser.on('text', (t) => {
    const top = stack[stack.length - 1]
    if (top) top.text += t
  })
  parser.on('closetag', () => {
    stack.pop()
  })
  try {
    parser.write(xml).close()
  } catch (e) {
    if (e instanceof InterchangeError) throw e
    throw new InterchangeError(
      `${file} is not well-formed XML (${oneLine(e instanceof Error ? e.message : String(e))})`
    )
  }
  if (!root) throw new InterchangeError(`${file} has no XML root element`)
  return root
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 200)
}

/** Every descendant (depth first, document order) for which `keep` holds. */
export function findAll(el: XmlElement, keep: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (keep(c)) out.push(c)
    findAll(c, keep, out)
  }
  return out
}

export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name)
export const childNamed = (el: XmlElement, name: string): XmlElement | undefined =>
  el.children.find((c) => c.name === name)
