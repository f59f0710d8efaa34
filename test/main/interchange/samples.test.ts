// The four sample pages through the interchange formats:
//  - Glyphdesk's ALTO and PAGE XML of each page (transcribed here with the default model, with a person's
//    corrections added) validate against the official ALTO 4.4 and PAGE 2019-07-15 schemas, and re-import to
//    the same boxes (to the pixel), labels, correction marks and words;
//  - Tesseract's own hOCR and ALTO of each page (committed fixtures, see test/fixtures/interchange/README.md)
//    import with every Tesseract word present where Tesseract put it, and glyph boxes aligned inside the words.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportAlto, exportHocr, exportPageXml } from '../../../src/main/export/index.ts'
import { importOcrFile, readOcrFile } from '../../../src/main/interchange/import.ts'
import type { Rect } from '../../../src/main/interchange/read.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { CLASSES } from '../../../src/shared/classes.ts'
import { assembleText, type PageBox, type PageDoc } from '../../../src/shared/pagedoc.ts'
import { validateAgainst } from '../helpers/xsd.ts'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const SAMPLES = join(ROOT, 'resources', 'samples')
const TESSERACT = join(ROOT, 'test', 'fixtures', 'interchange', 'tesseract')
const names = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => f.replace(/\.jpg$/, ''))
  .sort()
const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-interchange-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A person's work on a page: every 7th box relabelled, one confirmed as read, one without any reading. */
function withCorrections(doc: PageDoc): PageDoc {
  return {
    ...doc,
    boxes: doc.boxes.map((b, i) => {
      if (i === 1) return { ...b, userLabel: b.label ?? 'A' }
      if (i === 2) {
        const { label: _l, confidence: _c, top3: _t, ...rest } = b
        return rest
      }
      if (i % 7 === 0) return { ...b, userLabel: CLASSES[(CLASSES.indexOf(b.label ?? 'A') + 5) % CLASSES.length] }
      return b
    })
  }
}

/** What a round trip must keep of each box: geometry, line, its word (by rank in the line), labels, correction. */
function essentials(doc: PageDoc) {
  const ranks = new Map<string, number>()
  for (let li = 0; li < doc.lines.length + 1; li++) {
    const ws = [...new Set(doc.boxes.filter((b) => b.line === li).map((b) => b.word))].sort((a, b) => a - b)
    ws.forEach((w, k) => ranks.set(`${li}:${w}`, k))
  }
  const lineRank = new Map([...new Set(doc.boxes.map((b) => b.line))].sort((a, b) => a - b).map((l, k) => [l, k]))
  return doc.boxes
    .map((b: PageBox) => ({
      id: b.id,
      x: b.x,
      y: b.y,
      w: b.w,
      h: b.h,
      line: lineRank.get(b.line),
      word: ranks.get(`${b.line}:${b.word}`),
      label: b.label,
      userLabel: b.userLabel
    }))
    .sort((a, b) => a.id.localeCompare(b.id))
}

const docs: Record<string, PageDoc> = {}

beforeAll(async () => {
  const model = await loadClassifier()
  for (const n of names) {
    const path = join(SAMPLES, `${n}.jpg`)
    const bytes = readFileSync(path)
    const { doc } = await transcribe(await loadImage(bytes), model, { path, fileBytes: bytes })
    docs[n] = withCorrections(doc)
  }
}, 180_000)

describe("Glyphdesk's own ALTO and PAGE XML of the sample pages", () => {
  it('has four sample pages with corrections to carry', () => {
    expect(names).toHaveLength(4)
    for (const n of names) expect(docs[n].boxes.filter((b) => b.userLabel !== undefined).length).toBeGreaterThan(3)
  })

  it('validate against the official ALTO 4.4 and PAGE 2019-07-15 schemas', async () => {
    const alto = await validateAgainst(
      'alto-4.4',
      Object.fromEntries(names.map((n) => [`${n}.alto.xml`, exportAlto(docs[n])]))
    )
    const page = await validateAgainst(
      'page-2019-07-15',
      Object.fromEntries(names.map((n) => [`${n}.page.xml`, exportPageXml(docs[n])]))
    )
    for (const [file, r] of Object.entries({ ...alto, ...page })) expect(r, file).toEqual({ valid: true, errors: [] })
    expect(Object.keys({ ...alto, ...page })).toHaveLength(8)
  })

  for (const format of ['alto', 'page'] as const) {
    it(`re-import from ${format === 'alto' ? 'ALTO' : 'PAGE XML'} to identical boxes, labels, correction marks and words`, async () => {
      for (const n of names) {
        const file = join(scratch, `${n}.${format}.xml`)
        writeFileSync(file, format === 'alto' ? exportAlto(docs[n]) : exportPageXml(docs[n]))
        const { doc, report } = await importOcrFile(file, join(SAMPLES, `${n}.jpg`))
        expect(report.wordsWithFileGlyphs, n).toBe(report.words)
        expect(report.tool).toBe('Glyphdesk')
        expect(essentials(doc), n).toEqual(essentials(docs[n]))
        expect(doc.lines.length, n).toBe(
          docs[n].lines.filter((l) => docs[n].boxes.some((b) => b.line === l.index)).length
        )
        expect(doc.version).toBe(2)
        expect(doc.imported).toMatchObject({ format, tool: 'Glyphdesk' })
      }
    })
  }
})

describe('a page read turned, exported and imported again', () => {
  it('keeps its turn and its reading order through ALTO, PAGE XML and hOCR, with or without glyph boxes', async () => {
    // Sample 02 lying on its side (turned 90° clockwise in the file): read after turning it back, 270°.
    const file = join(scratch, 'sideways.png')
    writeFileSync(file, await sharp(join(SAMPLES, '02_letters.jpg')).rotate(90).png().toBuffer())
    const bytes = readFileSync(file)
    const { doc: read } = await transcribe(await loadImage(bytes), await loadClassifier(), {
      path: file,
      fileBytes: bytes
    })
    expect(read.image.turn).toBe(270)
    const text = assembleText(read)
    const hocr = exportHocr(read)
    const files = {
      'alto.xml': exportAlto(read),
      'page.xml': exportPageXml(read),
      'hocr.html': hocr,
      // As another tool writes it: words with their text, no glyph boxes, so Glyphdesk cuts the glyphs itself.
      'words.hocr.html': hocr.replace(/<span class="ocrx_cinfo"[^>]*>([^<]*)<\/span>/g, '$1')
    }
    for (const [name, content] of Object.entries(files)) {
      const ocr = join(scratch, `sideways.${name}`)
      writeFileSync(ocr, content)
      const { doc } = await importOcrFile(ocr, file)
      expect(doc.image.turn, name).toBe(270)
      expect(assembleText(doc), name).toBe(text)
    }
    // Without the turn said, the words' glyphs are cut in the file's left-to-right order: backwards here.
    const plain = join(scratch, 'sideways.plain.hocr.html')
    writeFileSync(plain, files['words.hocr.html'].replace(/; textangle 270/g, ''))
    const { doc: unturned } = await importOcrFile(plain, file)
    expect(unturned.image.turn).toBeUndefined()
    expect(assembleText(unturned)).not.toBe(text)
  }, 120_000)
})

const inside = (b: Rect, r: Rect): number => {
  const ix = Math.max(0, Math.min(b.x + b.w, r.x + r.w) - Math.max(b.x, r.x))
  const iy = Math.max(0, Math.min(b.y + b.h, r.y + r.h) - Math.max(b.y, r.y))
  return (ix * iy) / (b.w * b.h)
}

describe("Tesseract 5's hOCR and ALTO of the sample pages (committed fixtures)", () => {
  const totals = { words: 0, matching: 0, aligned: 0, mostlyInside: 0 }
  for (const n of names) {
    for (const ext of ['hocr', 'xml'] as const) {
      it(`${n}.${ext}: every Tesseract word is in the page where Tesseract put it; glyphs aligned inside the words`, async () => {
        const file = join(TESSERACT, `${n}.${ext}`)
        const source = await readOcrFile(file)
        expect(source.tool).toMatch(/^tesseract 5/)
        const { doc, report } = await importOcrFile(file, join(SAMPLES, `${n}.jpg`))
        expect(doc.imported).toMatchObject({ format: ext === 'hocr' ? 'hocr' : 'alto', tool: source.tool })
        expect(doc.lines).toHaveLength(source.lines.length)
        // Every word: boxes carrying its text, all inside the word's box (by centre), on the word's own line.
        source.lines.forEach((line, li) => {
          for (const w of line.words) {
            const mine = doc.boxes.filter(
              (b) =>
                b.line === li &&
                b.imported?.word === w.text &&
                b.x + b.w / 2 >= w.rect.x &&
                b.x + b.w / 2 <= w.rect.x + w.rect.w &&
                b.y + b.h / 2 >= w.rect.y &&
                b.y + b.h / 2 <= w.rect.y + w.rect.h
            )
            expect(mine.length, `"${w.text}" of line ${li + 1}`).toBeGreaterThan(0)
            // Words whose character count (Glyphdesk classes) equals the glyphs found inside them by centre:
            // counted by the test from the boxes themselves, then checked for labels in the word's order.
            const chars = [...w.text.toUpperCase()].filter((c) => CLASSES.includes(c)).join('')
            if (chars.length > 0 && chars.length === mine.length) {
              totals.matching++
              const left = [...mine].sort((a, b) => a.x + a.w / 2 - (b.x + b.w / 2))
              if (left.every((b) => b.imported?.aligned) && left.map((b) => b.label).join('') === chars)
                totals.aligned++
              if (left.every((b) => inside(b, w.rect) >= 0.75)) totals.mostlyInside++
            }
            totals.words++
          }
        })
        // Nothing is the person's: retraining waits for confirmations.
        expect(doc.boxes.some((b) => b.userLabel !== undefined)).toBe(false)
        expect(doc.boxes.every((b) => b.imported !== undefined)).toBe(true)
        expect(report.words).toBe(source.lines.reduce((s, l) => s + l.words.length, 0))
      })
    }
  }

  it('aligns glyph boxes inside at least 90% of the words whose text length matches the glyphs found', () => {
    expect(totals.words).toBeGreaterThan(100)
    const share = totals.aligned / totals.matching
    // Reported, not asserted: how tightly Tesseract's word boxes hold the glyphs (its boxes can clip a character's ink).
    console.log(
      `Tesseract fixtures: ${totals.words} words; ${totals.matching} (${((100 * totals.matching) / totals.words).toFixed(1)}%) with as many glyphs found inside ` +
        `as Glyphdesk characters in their text; ${totals.aligned} of those (${(100 * share).toFixed(1)}%) aligned to the text in order; ` +
        `${totals.mostlyInside} (${((100 * totals.mostlyInside) / totals.matching).toFixed(1)}%) with every glyph box at least 75% inside Tesseract's word box`
    )
    expect(share).toBeGreaterThanOrEqual(0.9)
  })
})
