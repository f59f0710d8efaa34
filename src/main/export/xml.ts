// hOCR 1.2 and ALTO v4 exports with character-level boxes.
//  - hOCR: ocr_page > ocr_line > ocrx_word > ocrx_cinfo (one span per character, with its bbox and
//    x_conf); the capabilities meta lists exactly the classes used.
//  - ALTO 4.4: Page > PrintSpace > TextBlock > TextLine > String (one per word, CONTENT = the word) >
//    Glyph (one per character, CONTENT, box and GC confidence), with SP between words. A glyph the person
//    corrected has GC 1 and one Variant holding the model's reading it replaced (no CONTENT when the model had
//    none); its String has CS="true" (ALTO's own "correction status"). The file says so in a
//    postProcessingStep, and Glyphdesk reads its own files back by that convention (interchange/read.ts).
// Coordinates are image pixels (MeasurementUnit "pixel"). Every file validates against the official
// ALTO 4.4 schema (test/main/export/schemas.test.ts).
import { basename } from 'node:path'
import { boxesByLine, boxText, type PageBox, type PageDoc } from '../../shared/pagedoc.ts'
import { unionRect } from '../core/rect.ts'

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

export interface Word {
  boxes: PageBox[]
  x: number
  y: number
  w: number
  h: number
  text: string
  conf?: number
}

export function words(line: PageBox[]): Word[] {
  const out: Word[] = []
  for (const b of line) {
    const last = out[out.length - 1]
    if (last && last.boxes[0].word === b.word) last.boxes.push(b)
    else out.push({ boxes: [b], x: 0, y: 0, w: 0, h: 0, text: '' })
  }
  for (const w of out) {
    const x0 = Math.min(...w.boxes.map((b) => b.x)),
      y0 = Math.min(...w.boxes.map((b) => b.y))
    w.x = x0
    w.y = y0
    w.w = Math.max(...w.boxes.map((b) => b.x + b.w)) - x0
    w.h = Math.max(...w.boxes.map((b) => b.y + b.h)) - y0
    w.text = w.boxes.map(boxText).join('')
    const confs = w.boxes.map(conf).filter((c): c is number => c !== undefined)
    if (confs.length) w.conf = confs.reduce((a, c) => a + c, 0) / confs.length
  }
  return out
}

/** A person's label is certain; otherwise the classifier's confidence, if any. */
export function conf(b: PageBox): number | undefined {
  return b.userLabel !== undefined ? 1 : b.confidence
}

export function lineRect(line: PageBox[]) {
  return unionRect(line)
}

/** An xsd:ID for a box: its own id when that is an NCName tail, else its position. */
export function xmlId(prefix: string, b: PageBox, index: number): string {
  return /^[A-Za-z0-9_.-]+$/.test(b.id) ? `${prefix}_${b.id}` : `${prefix}_n${index + 1}`
}

/** The processing step text that tells readers (and Glyphdesk itself) how corrections are marked. */
export const ALTO_CORRECTION_NOTE =
  'Glyphdesk: a Glyph with a Variant was corrected by a person; the Variant is the model reading it replaced'

const bbox = (r: { x: number; y: number; w: number; h: number }) => `bbox ${r.x} ${r.y} ${r.x + r.w} ${r.y + r.h}`

export function exportHocr(doc: PageDoc): string {
  const lines = boxesByLine(doc).filter((l) => l.length > 0)
  const out: string[] = []
  out.push('<?xml version="1.0" encoding="UTF-8"?>')
  out.push(
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
  )
  out.push('<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">')
  out.push('<head>')
  out.push('<title>Glyphdesk transcription</title>')
  out.push('<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>')
  out.push('<meta name="ocr-system" content="glyphdesk"/>')
  out.push('<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_line ocrx_word ocrx_cinfo"/>')
  out.push('</head>')
  out.push('<body>')
  out.push(
    `<div class="ocr_page" id="page_1" title="image &quot;${escapeXml(doc.image.path)}&quot;; bbox 0 0 ${doc.image.width} ${doc.image.height}; ppageno ${doc.image.page ?? 0}">`
  )
  out.push(
    `<div class="ocr_carea" id="block_1" title="${bbox(lines.length ? lineRect(lines.flat()) : { x: 0, y: 0, w: doc.image.width, h: doc.image.height })}">`
  )
  let wid = 0
  // A page read turned (image.turn, clockwise to read it): its lines lie turned as far counterclockwise.
  const angle = doc.image.turn ? `; textangle ${doc.image.turn}` : ''
  lines.forEach((line, li) => {
    const ws = words(line)
    const spans = ws.map((w) => {
      wid++
      const chars = w.boxes
        .map((b) => {
          const c = conf(b)
          return `<span class="ocrx_cinfo" id="char_${escapeXml(b.id)}" title="${bbox(b)}${c !== undefined ? `; x_conf ${(c * 100).toFixed(1)}` : ''}">${escapeXml(boxText(b))}</span>`
        })
        .join('')
      return `<span class="ocrx_word" id="word_${wid}" title="${bbox(w)}${w.conf !== undefined ? `; x_wconf ${Math.round(w.conf * 100)}` : ''}">${chars}</span>`
    })
    out.push(
      `<span class="ocr_line" id="line_${li + 1}" title="${bbox(lineRect(line))}${angle}">${spans.join(' ')}</span>`
    )
  })
  out.push('</div>')
  out.push('</div>')
  out.push('</body>')
  out.push('</html>')
  return out.join('\n') + '\n'
}

export function exportAlto(doc: PageDoc): string {
  const lines = boxesByLine(doc).filter((l) => l.length > 0)
  const pos = (r: { x: number; y: number; w: number; h: number }) =>
    `HPOS="${r.x}" VPOS="${r.y}" WIDTH="${r.w}" HEIGHT="${r.h}"`
  const out: string[] = []
  out.push('<?xml version="1.0" encoding="UTF-8"?>')
  out.push(
    '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      'xsi:schemaLocation="http://www.loc.gov/standards/alto/ns-v4# http://www.loc.gov/standards/alto/v4/alto-4-4.xsd">'
  )
  out.push('<Description>')
  out.push('<MeasurementUnit>pixel</MeasurementUnit>')
  out.push(
    `<sourceImageInformation><fileName>${escapeXml(basename(doc.image.path) || 'page')}</fileName></sourceImageInformation>`
  )
  // The schema fixes the order: processingStepSettings before processingSoftware.
  out.push(
    '<OCRProcessing ID="ocr_1"><ocrProcessingStep>' +
      (doc.model ? `<processingStepSettings>model=${escapeXml(doc.model.name)}</processingStepSettings>` : '') +
      '<processingSoftware><softwareName>Glyphdesk</softwareName></processingSoftware></ocrProcessingStep>' +
      `<postProcessingStep><processingStepDescription>${ALTO_CORRECTION_NOTE}</processingStepDescription>` +
      '<processingSoftware><softwareName>Glyphdesk</softwareName></processingSoftware></postProcessingStep></OCRProcessing>'
  )
  out.push('</Description>')
  out.push('<Layout>')
  // A page read turned (image.turn, clockwise to read it): its text lies turned as far counterclockwise.
  const rotation = doc.image.turn ? ` ROTATION="${doc.image.turn}"` : ''
  out.push(
    `<Page ID="page_1" PHYSICAL_IMG_NR="${(doc.image.page ?? 0) + 1}" WIDTH="${doc.image.width}" HEIGHT="${doc.image.height}"${rotation}>`
  )
  out.push(`<PrintSpace ${pos({ x: 0, y: 0, w: doc.image.width, h: doc.image.height })}>`)
  if (lines.length) {
    out.push(`<TextBlock ID="block_1" ${pos(lineRect(lines.flat()))}>`)
    let wid = 0,
      gid = 0
    lines.forEach((line, li) => {
      out.push(`<TextLine ID="line_${li + 1}" ${pos(lineRect(line))}>`)
      const ws = words(line)
      ws.forEach((w, wi) => {
        wid++
        if (wi > 0) {
          const prev = ws[wi - 1]
          const gx = prev.x + prev.w
          out.push(`<SP HPOS="${gx}" VPOS="${Math.min(prev.y, w.y)}" WIDTH="${Math.max(0, w.x - gx)}"/>`)
        }
        const corrected = w.boxes.some((b) => b.userLabel !== undefined)
        out.push(
          `<String ID="string_${wid}" CONTENT="${escapeXml(w.text)}" ${pos(w)}${w.conf !== undefined ? ` WC="${w.conf.toFixed(3)}"` : ''}${corrected ? ' CS="true"' : ''}>`
        )
        for (const b of w.boxes) {
          const c = conf(b)
          const attrs = `ID="${xmlId('glyph', b, gid++)}" CONTENT="${escapeXml(boxText(b))}" ${pos(b)}${c !== undefined ? ` GC="${c.toFixed(3)}"` : ''}`
          if (b.userLabel === undefined) {
            out.push(`<Glyph ${attrs}/>`)
            continue
          }
          const model =
            (b.label !== undefined ? ` CONTENT="${escapeXml(b.label)}"` : '') +
            (b.confidence !== undefined ? ` VC="${b.confidence.toFixed(3)}"` : '')
          out.push(`<Glyph ${attrs}><Variant${model}/></Glyph>`)
        }
        out.push('</String>')
      })
      out.push('</TextLine>')
    })
    out.push('</TextBlock>')
  }
  out.push('</PrintSpace>')
  out.push('</Page>')
  out.push('</Layout>')
  out.push('</alto>')
  return out.join('\n') + '\n'
}
