// Readers for other tools' OCR files: PAGE XML (2013-07-15 … 2019-07-15), ALTO (v2–v4) and hOCR, as
// Tesseract 5, Kraken, eScriptorium and Transkribus write them, into one plain description of the page:
// lines → words → (glyphs, when the file has them), rectangles in image pixels, the tool's text and
// confidences (0..1). What a format does not say stays undefined; nothing here touches the image.
//
// Glyphdesk's own ALTO and PAGE files carry the person's corrections (export/xml.ts, export/page.ts): they
// are read back only when the file says Glyphdesk wrote it, so another tool's glyph variants are never taken
// for a person's correction.
import { unionRect } from '../core/rect.ts'
import { ALTO_CORRECTION_NOTE } from '../export/xml.ts'
import { PAGE_LABEL_MODEL, PAGE_LABEL_TYPE } from '../export/page.ts'
import { childNamed, childrenNamed, findAll, InterchangeError, type XmlElement } from './xml.ts'
import { MAX_FILE_PAGES, type PageTurn } from '../../shared/pagedoc.ts'

export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

export interface ImportedGlyph {
  rect: Rect
  /** The tool's text for this glyph (usually one character). */
  text: string
  conf?: number
  /** The glyph's id in a Glyphdesk file (the PageDoc box id it was written from). */
  id?: string
  /** Glyphdesk's own file: the person's label, with the model reading (and its confidence) it replaced. */
  person?: { label: string; model?: string; modelConf?: number }
}

export interface ImportedWord {
  rect: Rect
  /** The tool's text; a line-level entry (a file without words) may hold several words separated by spaces. */
  text: string
  conf?: number
  /** Empty when the file has no glyph boxes for this word. */
  glyphs: ImportedGlyph[]
}

export interface ImportedLine {
  rect: Rect
  words: ImportedWord[]
}

export type InterchangeFormat = 'hocr' | 'alto' | 'page'

export interface ImportedPage {
  format: InterchangeFormat
  /** What the file says wrote it, e.g. "tesseract 5.3.0" ("unknown" when it does not say). */
  tool: string
  /** The page size the file states, in image pixels (undefined when it states none). */
  width?: number
  height?: number
  /** The image file name the file names, if any. */
  imageFile?: string
  lines: ImportedLine[]
  /** Written by Glyphdesk (its correction marks are read). */
  glyphdesk: boolean
  /** Human-readable format version, e.g. "ALTO v3", "PAGE 2019-07-15", "hOCR". */
  version: string
  /** ALTO's measurement unit; coordinates in mm10 or inch1200 are scaled to the image by the importer. */
  unit: 'pixel' | 'mm10' | 'inch1200'
  /**
   * The page's text lies turned, to be read after turning the image clockwise by this many degrees (PageDoc
   * image.turn): PAGE's `orientation` on the page, ALTO's `ROTATION` on the page, hOCR's `textangle` shared by every
   * line. Only quarter turns; a skew of a few degrees is not a turn.
   */
  turn?: PageTurn
  /**
   * Which page of its image the file describes, from 0: ALTO's `PHYSICAL_IMG_NR` (counted from 1), hOCR's `ppageno`.
   * Used only when the image is a multi-page TIFF holding that page (a tool reading several files in one run
   * numbers its pages across them).
   */
  imagePage?: number
}

/** A page number read from a file, when it is one (a whole number from 0, below MAX_FILE_PAGES). */
function pageNumber(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 0 && n < MAX_FILE_PAGES ? n : undefined
}

/** A clockwise angle in degrees as a page's quarter turn, when it is one (−90 is 270). */
function asPageTurn(deg: number | undefined): PageTurn | undefined {
  if (deg === undefined) return undefined
  if (Math.abs(deg - Math.round(deg)) > 1e-6) return undefined
  const d = ((Math.round(deg) % 360) + 360) % 360
  return d === 90 ? 90 : d === 180 ? 180 : d === 270 ? 270 : undefined
}

const PAGE_NS = /^http:\/\/schema\.primaresearch\.org\/PAGE\/gts\/pagecontent\/(\d{4}-\d{2}-\d{2})$/
const PAGE_VERSIONS = new Set(['2013-07-15', '2016-07-15', '2017-07-15', '2018-07-15', '2019-07-15'])
const ALTO_NS = /^http:\/\/www\.loc\.gov\/standards\/alto\/ns-v(\d)#$/
const XHTML_NS = 'http://www.w3.org/1999/xhtml'

/** Reads a parsed OCR file; `file` names it in errors. */
export function readOcrDocument(root: XmlElement, file: string): ImportedPage {
  if (root.name === 'PcGts') {
    const m = PAGE_NS.exec(root.ns)
    if (!m) throw new InterchangeError(`${file} has a <PcGts> root in namespace "${root.ns}", which is not PAGE XML's`)
    if (!PAGE_VERSIONS.has(m[1]))
      throw new InterchangeError(`${file} is PAGE XML ${m[1]}; Glyphdesk reads PAGE XML 2013-07-15 to 2019-07-15`)
    return readPage(root, file, m[1])
  }
  if (root.name === 'alto') {
    const m = ALTO_NS.exec(root.ns)
    if (!m)
      throw new InterchangeError(
        `${file} has an <alto> root in namespace "${root.ns || '(none)'}"; Glyphdesk reads ALTO v2, v3 and v4`
      )
    const v = Number(m[1])
    if (v < 2 || v > 4) throw new InterchangeError(`${file} is ALTO v${v}; Glyphdesk reads ALTO v2, v3 and v4`)
    return readAlto(root, file, v)
  }
  if (root.name === 'html' && (root.ns === XHTML_NS || root.ns === '')) {
    if (findAll(root, (e) => classes(e).includes('ocr_page')).length === 0)
      throw new InterchangeError(`${file} is HTML without an ocr_page element, so it is not hOCR`)
    return readHocr(root, file)
  }
  throw new InterchangeError(
    `${file} is neither PAGE XML, ALTO nor hOCR (its root element is <${root.name}>${root.ns ? ` in namespace ${root.ns}` : ''})`
  )
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

function conf01(v: number | undefined): number | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : Math.min(1, Math.max(0, v))
}

// ---- PAGE XML ----------------------------------------------------------------------------------------

/** The bounding rectangle of a PAGE Coords/@points polygon ("x,y x,y …"). */
function pageRect(el: XmlElement, file: string, what: string): Rect | undefined {
  const coords = childNamed(el, 'Coords')
  if (!coords) return undefined
  const pts = (coords.attrs['points'] ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => p.split(',').map(Number))
  if (pts.length === 0 || pts.some((p) => p.length !== 2 || !p.every(Number.isFinite))) {
    throw new InterchangeError(`${file}: the Coords of ${what} are not "x,y x,y …" points`)
  }
  const xs = pts.map((p) => p[0]),
    ys = pts.map((p) => p[1])
  const x = Math.min(...xs),
    y = Math.min(...ys)
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y }
}

/** TextEquivs of an element, lowest index first (PAGE: the lowest index is the main reading). */
function textEquivs(el: XmlElement): { text: string; conf?: number; index: number }[] {
  return childrenNamed(el, 'TextEquiv')
    .map((t, i) => ({
      text: childNamed(t, 'Unicode')?.text ?? '',
      conf: conf01(num(t.attrs['conf'])),
      index: num(t.attrs['index']) ?? i
    }))
    .sort((a, b) => a.index - b.index)
}

function readPage(root: XmlElement, file: string, version: string): ImportedPage {
  const page = childNamed(root, 'Page')
  if (!page) throw new InterchangeError(`${file} is PAGE XML without a <Page> element`)
  const creator = childNamed(childNamed(root, 'Metadata') ?? root, 'Creator')?.text.trim() ?? ''
  const glyphdesk = creator === 'Glyphdesk'
  const lines: ImportedLine[] = []
  const regions = findAll(page, (e) => e.name === 'TextRegion')
  for (const region of regions) {
    for (const line of childrenNamed(region, 'TextLine')) {
      const lineRect = pageRect(line, file, `TextLine ${line.attrs['id'] ?? ''}`)
      const words: ImportedWord[] = []
      for (const w of childrenNamed(line, 'Word')) {
        const rect = pageRect(w, file, `Word ${w.attrs['id'] ?? ''}`)
        const glyphs: ImportedGlyph[] = []
        for (const g of childrenNamed(w, 'Glyph')) {
          const gr = pageRect(g, file, `Glyph ${g.attrs['id'] ?? ''}`)
          const eq = textEquivs(g)
          if (!gr || (eq[0] && eq[0].text.trim() === '')) continue
          const glyph: ImportedGlyph = { rect: gr, text: eq[0]?.text ?? '', conf: eq[0]?.conf, id: g.attrs['id'] }
          if (glyphdesk) {
            const byPerson = childrenNamed(g, 'Labels').some(
              (l) =>
                l.attrs['externalModel'] === PAGE_LABEL_MODEL &&
                childrenNamed(l, 'Label').some(
                  (x) => x.attrs['type'] === PAGE_LABEL_TYPE && x.attrs['value'] === 'person'
                )
            )
            if (byPerson && eq[0]) glyph.person = { label: eq[0].text, model: eq[1]?.text, modelConf: eq[1]?.conf }
          }
          glyphs.push(glyph)
        }
        const eq = textEquivs(w)
        const text = eq[0]?.text ?? glyphs.map((g) => g.text).join('')
        const r = rect ?? (glyphs.length ? unionRect(glyphs.map((g) => g.rect)) : undefined)
        // A whitespace segment (Kraken writes the spaces between words as words) is not a word.
        if (r && (text.trim() !== '' || glyphs.length)) words.push({ rect: r, text, conf: eq[0]?.conf, glyphs })
      }
      if (words.length === 0 && lineRect) {
        // A line-level file (Kraken, Transkribus before word segmentation): the line's text, words by its spaces.
        const eq = textEquivs(line)
        words.push({ rect: lineRect, text: eq[0]?.text ?? '', conf: eq[0]?.conf, glyphs: [] })
      }
      if (words.length) lines.push({ rect: lineRect ?? unionRect(words.map((w) => w.rect)), words })
    }
  }
  const turn = asPageTurn(num(page.attrs['orientation']))
  return {
    ...(turn ? { turn } : {}),
    format: 'page',
    version: `PAGE ${version}`,
    tool: creator || 'unknown',
    glyphdesk,
    lines,
    unit: 'pixel',
    width: num(page.attrs['imageWidth']),
    height: num(page.attrs['imageHeight']),
    imageFile: page.attrs['imageFilename']
  }
}

// ---- ALTO -----------------------------------------------------------------------------------------------

function altoTool(root: XmlElement): string {
  const names = findAll(childNamed(root, 'Description') ?? root, (e) => e.name === 'processingSoftware')
    .map((s) => {
      const name = childNamed(s, 'softwareName')?.text.trim() ?? ''
      const version = childNamed(s, 'softwareVersion')?.text.trim() ?? ''
      return version && !name.includes(version) ? `${name} ${version}` : name
    })
    .filter(Boolean)
  return names[0] ?? 'unknown'
}

function readAlto(root: XmlElement, file: string, v: number): ImportedPage {
  const description = childNamed(root, 'Description')
  const unit = (description && childNamed(description, 'MeasurementUnit')?.text.trim()) || 'pixel'
  if (unit !== 'pixel' && unit !== 'mm10' && unit !== 'inch1200')
    throw new InterchangeError(`${file} measures in "${unit}"; ALTO allows pixel, mm10 or inch1200`)
  const tool = altoTool(root)
  const glyphdesk =
    tool === 'Glyphdesk' &&
    description !== undefined &&
    findAll(description, (e) => e.name === 'processingStepDescription').some(
      (d) => d.text.trim() === ALTO_CORRECTION_NOTE
    )
  const layout = childNamed(root, 'Layout')
  const pages = layout ? childrenNamed(layout, 'Page') : []
  if (pages.length === 0) throw new InterchangeError(`${file} is ALTO without a Layout/Page element`)
  if (pages.length > 1)
    throw new InterchangeError(`${file} holds ${pages.length} pages; import one page at a time (one image per file)`)
  const page = pages[0]
  const rectOf = (el: XmlElement): Rect | undefined => {
    const x = num(el.attrs['HPOS']),
      y = num(el.attrs['VPOS']),
      w = num(el.attrs['WIDTH']),
      h = num(el.attrs['HEIGHT'])
    return x === undefined || y === undefined || w === undefined || h === undefined ? undefined : { x, y, w, h }
  }
  // ALTO counts the text's rotation counterclockwise: text turned 90° that way is read after turning 90° clockwise.
  const altoTurn = asPageTurn(num(page.attrs['ROTATION']))
  const lines: ImportedLine[] = []
  for (const line of findAll(page, (e) => e.name === 'TextLine')) {
    const strings = childrenNamed(line, 'String')
    const lineRect = rectOf(line)
    let words: ImportedWord[] = []
    for (const s of strings) {
      const rect = rectOf(s)
      const glyphs: ImportedGlyph[] = []
      for (const g of childrenNamed(s, 'Glyph')) {
        const gr = rectOf(g)
        if (!gr) continue
        if ((g.attrs['CONTENT'] ?? '').trim() === '' && !glyphdesk) continue
        const glyph: ImportedGlyph = {
          rect: gr,
          text: g.attrs['CONTENT'] ?? '',
          conf: conf01(num(g.attrs['GC'])),
          id: g.attrs['ID']
        }
        const variant = childNamed(g, 'Variant')
        if (glyphdesk && variant)
          glyph.person = {
            label: glyph.text,
            model: variant.attrs['CONTENT'],
            modelConf: conf01(num(variant.attrs['VC']))
          }
        glyphs.push(glyph)
      }
      const r = rect ?? (glyphs.length ? unionRect(glyphs.map((g) => g.rect)) : undefined)
      if (!r) {
        words = []
        break
      } // a word without a position: read the line as a whole below
      if ((s.attrs['CONTENT'] ?? '').trim() === '' && glyphs.length === 0) continue
      words.push({ rect: r, text: s.attrs['CONTENT'] ?? '', conf: conf01(num(s.attrs['WC'])), glyphs })
    }
    if (words.length === 0 && strings.length > 0 && lineRect) {
      words = [{ rect: lineRect, text: strings.map((s) => s.attrs['CONTENT'] ?? '').join(' '), glyphs: [] }]
    }
    if (words.length) lines.push({ rect: lineRect ?? unionRect(words.map((w) => w.rect)), words })
  }
  const fileName = description && findAll(description, (e) => e.name === 'fileName')[0]?.text.trim()
  const nr = num(page.attrs['PHYSICAL_IMG_NR'])
  const imagePage = pageNumber(nr === undefined ? undefined : nr - 1)
  return {
    ...(altoTurn ? { turn: altoTurn } : {}),
    ...(imagePage !== undefined ? { imagePage } : {}),
    format: 'alto',
    version: `ALTO v${v}`,
    tool,
    glyphdesk,
    lines,
    width: num(page.attrs['WIDTH']),
    height: num(page.attrs['HEIGHT']),
    imageFile: fileName || undefined,
    unit
  }
}

// ---- hOCR -----------------------------------------------------------------------------------------------

function classes(e: XmlElement): string[] {
  return (e.attrs['class'] ?? '').split(/\s+/).filter(Boolean)
}

/** hOCR title properties: "bbox 1 2 3 4; x_wconf 91" → { bbox: ['1','2','3','4'], x_wconf: ['91'] }. */
export function hocrProps(title: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  // Properties are separated by ";" (Kraken writes ", " before a property name: "bbox 0 0 9 9, image p.png").
  for (const part of (title ?? '').split(/;|,\s+(?=[a-z_]+\s)/)) {
    const words = part.trim().match(/"[^"]*"|\S+/g)
    if (words && words.length) out[words[0]] = words.slice(1).map((w) => w.replace(/^"|"$/g, ''))
  }
  return out
}

function hocrRect(e: XmlElement, file: string): Rect | undefined {
  const b = hocrProps(e.attrs['title'])['bbox']
  if (!b) return undefined
  const [x0, y0, x1, y1] = b.map(Number)
  if (b.length !== 4 || ![x0, y0, x1, y1].every(Number.isFinite) || x1 < x0 || y1 < y0) {
    throw new InterchangeError(`${file}: "${classes(e)[0]}" ${e.attrs['id'] ?? ''} has a bad bbox "${b.join(' ')}"`)
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

function textOf(e: XmlElement): string {
  return e.text + e.children.map(textOf).join('')
}

const HOCR_LINES = new Set(['ocr_line', 'ocr_header', 'ocr_caption', 'ocr_textfloat'])

function readHocr(root: XmlElement, file: string): ImportedPage {
  const metas = findAll(root, (e) => e.name === 'meta')
  const tool = metas.find((m) => m.attrs['name'] === 'ocr-system')?.attrs['content']?.trim() || 'unknown'
  const pages = findAll(root, (e) => classes(e).includes('ocr_page'))
  if (pages.length > 1)
    throw new InterchangeError(`${file} holds ${pages.length} pages; import one page at a time (one image per file)`)
  const page = pages[0]
  const pageProps = hocrProps(page.attrs['title'])
  const bbox = hocrRect(page, file)
  const lines: ImportedLine[] = []
  // hOCR's textangle (counterclockwise, per line): a page turn when every line has the same quarter turn.
  const angles = new Set<PageTurn | undefined>()
  for (const line of findAll(page, (e) => classes(e).some((c) => HOCR_LINES.has(c)))) {
    angles.add(asPageTurn(num(hocrProps(line.attrs['title'])['textangle']?.[0])))
    const lineRect = hocrRect(line, file)
    const words: ImportedWord[] = []
    for (const w of findAll(line, (e) => classes(e).includes('ocrx_word'))) {
      const rect = hocrRect(w, file)
      const props = hocrProps(w.attrs['title'])
      const cinfo = findAll(w, (e) => classes(e).includes('ocrx_cinfo'))
      const glyphs: ImportedGlyph[] = []
      for (const c of cinfo) {
        const r = hocrRect(c, file)
        const cp = hocrProps(c.attrs['title'])
        if (r && textOf(c).trim() !== '')
          glyphs.push({
            rect: r,
            text: textOf(c).trim(),
            conf: conf01(num(cp['x_conf']?.[0]) !== undefined ? num(cp['x_conf']?.[0])! / 100 : undefined)
          })
      }
      const wc = num(props['x_wconf']?.[0])
      const r = rect ?? (glyphs.length ? unionRect(glyphs.map((g) => g.rect)) : undefined)
      if (r && (textOf(w).trim() !== '' || glyphs.length))
        words.push({ rect: r, text: textOf(w).trim(), conf: wc === undefined ? undefined : conf01(wc / 100), glyphs })
    }
    if (words.length === 0 && lineRect) {
      const text = textOf(line).replace(/\s+/g, ' ').trim()
      if (text) words.push({ rect: lineRect, text, glyphs: [] })
    }
    if (words.length) lines.push({ rect: lineRect ?? unionRect(words.map((w) => w.rect)), words })
  }
  const hocrTurn = angles.size === 1 ? [...angles][0] : undefined
  const imagePage = pageNumber(num(pageProps['ppageno']?.[0]))
  return {
    ...(hocrTurn ? { turn: hocrTurn } : {}),
    ...(imagePage !== undefined ? { imagePage } : {}),
    format: 'hocr',
    version: 'hOCR',
    tool,
    glyphdesk: /^glyphdesk\b/i.test(tool),
    lines,
    unit: 'pixel',
    width: bbox ? bbox.x + bbox.w : undefined,
    height: bbox ? bbox.y + bbox.h : undefined,
    imageFile: pageProps['image']?.[0]
  }
}
