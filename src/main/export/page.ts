// PAGE XML 2019-07-15 export (the content schema Transkribus, eScriptorium and OCR-D read and write):
// PcGts > Metadata, Page > TextRegion > TextLine > Word > Glyph, each with its Coords (a rectangle as four
// points, image pixels) and TextEquiv (Unicode, conf between 0 and 1).
//
// The person's corrections stay distinguishable from the model's readings:
//  - a glyph's first TextEquiv (index 1) is its text as Glyphdesk shows it (the person's label over the model's);
//  - a corrected glyph has conf 1 on it, a second TextEquiv (index 2) with the model's reading it replaced and
//    that reading's confidence, and the semantic tag Labels/Label type="labelledBy" value="person"
//    (externalModel "glyphdesk") that interchange/read.ts reads back;
//  - a glyph whose label came from another tool's file (an imported page) says so in its TextEquiv's comments.
// Every file validates against the official schema (test/main/export/schemas.test.ts).
import { basename } from 'node:path'
import { boxesByLine, type PageBox, type PageDoc } from '../../shared/pagedoc.ts'
import { conf, escapeXml, lineRect, words, xmlId } from './xml.ts'

export const PAGE_NS = 'http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15'
/** The Labels/@externalModel and Label/@type that mark a person's correction. */
export const PAGE_LABEL_MODEL = 'glyphdesk'
export const PAGE_LABEL_TYPE = 'labelledBy'

interface Rect {
  x: number
  y: number
  w: number
  h: number
}

/**
 * A page read turned (PageDoc image.turn, clockwise): PAGE's `orientation`, the clockwise angle the page must be
 * turned by to be upright, in (−180, 180].
 */
function pageOrientation(doc: PageDoc): string {
  const t = doc.image.turn
  return t ? ` orientation="${t === 270 ? -90 : t}"` : ''
}

/** A rectangle as PAGE points: top-left, top-right, bottom-right, bottom-left (inclusive pixel corners as x+w, y+h). */
function points(r: Rect): string {
  const x1 = r.x + r.w,
    y1 = r.y + r.h
  return `${r.x},${r.y} ${x1},${r.y} ${x1},${y1} ${r.x},${y1}`
}

function textEquiv(text: string, attrs: { index?: number; conf?: number; comments?: string } = {}): string {
  const a =
    (attrs.index !== undefined ? ` index="${attrs.index}"` : '') +
    (attrs.conf !== undefined ? ` conf="${attrs.conf.toFixed(3)}"` : '') +
    (attrs.comments ? ` comments="${escapeXml(attrs.comments)}"` : '')
  return `<TextEquiv${a}><Unicode>${escapeXml(text)}</Unicode></TextEquiv>`
}

function glyph(b: PageBox, id: string, tool: string | undefined): string {
  const c = conf(b)
  const parts = [`<Glyph id="${id}">`, `<Coords points="${points(b)}"/>`]
  if (b.userLabel !== undefined) {
    parts.push(textEquiv(b.userLabel, { index: 1, conf: 1, comments: 'corrected by a person' }))
    if (b.label !== undefined)
      parts.push(
        textEquiv(b.label, {
          index: 2,
          conf: b.confidence,
          comments: b.imported && tool ? `reading of ${tool}` : 'model reading'
        })
      )
    parts.push(`<Labels externalModel="${PAGE_LABEL_MODEL}"><Label type="${PAGE_LABEL_TYPE}" value="person"/></Labels>`)
  } else if (b.label !== undefined) {
    parts.push(
      textEquiv(b.label, { index: 1, conf: c, comments: b.imported && tool ? `reading of ${tool}` : undefined })
    )
  }
  parts.push('</Glyph>')
  return parts.join('')
}

export interface PageXmlOptions {
  /** The Metadata's Created/LastChange time (default now). */
  now?: Date
}

export function exportPageXml(doc: PageDoc, opts: PageXmlOptions = {}): string {
  const lines = boxesByLine(doc).filter((l) => l.length > 0)
  const when = (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, '')
  const tool = doc.imported?.tool
  const out: string[] = []
  out.push('<?xml version="1.0" encoding="UTF-8"?>')
  out.push(
    `<PcGts xmlns="${PAGE_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
      `xsi:schemaLocation="${PAGE_NS} ${PAGE_NS}/pagecontent.xsd">`
  )
  out.push('<Metadata>')
  out.push('<Creator>Glyphdesk</Creator>')
  out.push(`<Created>${when}</Created>`)
  out.push(`<LastChange>${when}</LastChange>`)
  const notes = [
    doc.model ? `model ${doc.model.name}` : '',
    doc.imported ? `imported from ${doc.imported.format} written by ${doc.imported.tool}` : ''
  ].filter(Boolean)
  if (notes.length) out.push(`<Comments>${escapeXml(notes.join('; '))}</Comments>`)
  out.push('</Metadata>')
  out.push(
    `<Page imageFilename="${escapeXml(basename(doc.image.path) || 'page')}" imageWidth="${doc.image.width}" imageHeight="${doc.image.height}"${pageOrientation(doc)}>`
  )
  if (lines.length) {
    out.push(`<TextRegion id="region_1" type="paragraph"><Coords points="${points(lineRect(lines.flat()))}"/>`)
    let wid = 0,
      gid = 0
    const lineTexts: string[] = []
    lines.forEach((line, li) => {
      const ws = words(line)
      out.push(`<TextLine id="line_${li + 1}"><Coords points="${points(lineRect(line))}"/>`)
      for (const w of ws) {
        wid++
        out.push(`<Word id="word_${wid}"><Coords points="${points(w)}"/>`)
        for (const b of w.boxes) out.push(glyph(b, xmlId('glyph', b, gid++), tool))
        out.push(textEquiv(w.text, { conf: w.conf }))
        out.push('</Word>')
      }
      const text = ws.map((w) => w.text).join(' ')
      lineTexts.push(text)
      out.push(textEquiv(text))
      out.push('</TextLine>')
    })
    out.push(textEquiv(lineTexts.join('\n')))
    out.push('</TextRegion>')
  }
  out.push('</Page>')
  out.push('</PcGts>')
  return out.join('\n') + '\n'
}
