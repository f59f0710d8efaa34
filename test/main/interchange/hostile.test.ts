// Bad OCR files are refused with one line that says what is wrong, and nothing changes: the CLI writes no
// output file, the app registers no page and keeps no uploaded image. The inputs are written here (the
// 200 MB file is sparse: its size is checked before a byte is read, so it costs nothing).
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importOcrFile, InterchangeError } from '../../../src/main/interchange/import.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { createAppContext, type AppContext } from '../../../src/main/ipc/context.ts'
import { createAppRegistry } from '../../../src/main/ipc/index.ts'
import type { Registry } from '../../../src/main/ipc/registry.ts'
import { OpenedPageSchema } from '../../../src/shared/contract.ts'
import { PageDocSchema } from '../../../src/shared/pagedoc.ts'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const SAMPLES = join(ROOT, 'resources', 'samples')
const TESS = join(ROOT, 'test', 'fixtures', 'interchange', 'tesseract')
const work = mkdtempSync(join(tmpdir(), 'glyphdesk-hostile-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const haikuAlto = readFileSync(join(TESS, '03_haiku.xml'), 'utf8')
const BOMB = `<?xml version="1.0"?>
<!DOCTYPE alto [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page WIDTH="1600" HEIGHT="375"><PrintSpace><TextBlock><TextLine HPOS="0" VPOS="0" WIDTH="10" HEIGHT="10"><String CONTENT="&lol9;" HPOS="0" VPOS="0" WIDTH="10" HEIGHT="10"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>`

/** name → [file contents (or null: made separately), image, what the one-line error must say]. */
const CASES: Record<string, { file: string; image: string; message: RegExp }> = {
  'not XML': { file: 'notxml.xml', image: '03_haiku.jpg', message: /notxml\.xml is not XML/ },
  'broken XML': { file: 'broken.xml', image: '03_haiku.jpg', message: /broken\.xml is not well-formed XML/ },
  'another schema (SVG)': {
    file: 'drawing.xml',
    image: '03_haiku.jpg',
    message: /neither PAGE XML, ALTO nor hOCR \(its root element is <svg>/
  },
  'PAGE XML 2010': {
    file: 'page2010.xml',
    image: '03_haiku.jpg',
    message: /PAGE XML 2010-03-19; Glyphdesk reads PAGE XML 2013-07-15 to 2019-07-15/
  },
  'HTML that is not hOCR': { file: 'plain.html', image: '03_haiku.jpg', message: /HTML without an ocr_page element/ },
  'coordinates outside the image': {
    file: 'outside.xml',
    image: '03_haiku.jpg',
    message:
      /outside\.xml has the word "[^"]*" \(line 1\) at 5000,\d+–\d+,\d+, outside the 1600×375 image 03_haiku\.jpg/
  },
  'an image of another size': {
    file: 'tess-list.xml',
    image: '03_haiku.jpg',
    message: /describes a 1600×1150 page but 03_haiku\.jpg is 1600×375; choose the image the file was made from/
  },
  'a billion-laughs entity bomb': {
    file: 'bomb.xml',
    image: '03_haiku.jpg',
    message: /declares XML entities in its DOCTYPE; Glyphdesk does not expand entities/
  },
  'a 200 MB file': {
    file: 'huge.xml',
    image: '03_haiku.jpg',
    message: /huge\.xml is 200 MB; Glyphdesk imports OCR files up to 32 MB/
  }
}

beforeAll(() => {
  writeFileSync(join(work, 'notxml.xml'), 'page 1: TO DO LIST\n')
  writeFileSync(join(work, 'broken.xml'), haikuAlto.replace('</TextLine>', ''))
  writeFileSync(
    join(work, 'drawing.xml'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>'
  )
  writeFileSync(
    join(work, 'page2010.xml'),
    '<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2010-03-19"><Page imageWidth="1600" imageHeight="375"/></PcGts>'
  )
  writeFileSync(join(work, 'plain.html'), '<html><body><p>hello</p></body></html>')
  writeFileSync(join(work, 'outside.xml'), haikuAlto.replace(/(<String ID="string_0" )HPOS="\d+"/, '$1HPOS="5000"'))
  writeFileSync(join(work, 'tess-list.xml'), readFileSync(join(TESS, '01_list.xml')))
  writeFileSync(join(work, 'bomb.xml'), BOMB)
  // Sparse: 200 MB by size, nothing on disk.
  const fd = openSync(join(work, 'huge.xml'), 'w')
  closeSync(fd)
  spawnSync('truncate', ['-s', '200M', join(work, 'huge.xml')])
})

describe('hostile OCR files', () => {
  it('the test inputs are what they claim (the SVG is well-formed, the outside file differs only in one HPOS, the 200 MB file is 200 MB)', async () => {
    expect(haikuAlto).toMatch(/<String ID="string_0" HPOS="\d+"/)
    expect(readFileSync(join(work, 'outside.xml'), 'utf8')).not.toBe(haikuAlto)
    const { statSync } = await import('node:fs')
    expect(statSync(join(work, 'huge.xml')).size).toBe(200 * 1024 * 1024)
    // The unmodified haiku ALTO imports, so the failures below come from what was changed.
    const ok = await importOcrFile(join(TESS, '03_haiku.xml'), join(SAMPLES, '03_haiku.jpg'))
    expect(ok.doc.boxes.length).toBeGreaterThan(20)
  })

  for (const [what, c] of Object.entries(CASES)) {
    it(`refuses ${what} with a one-line error`, async () => {
      const err = await importOcrFile(join(work, c.file), join(SAMPLES, c.image)).then(
        () => null,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(InterchangeError)
      const message = (err as Error).message
      expect(message).toMatch(c.message)
      expect(message).not.toContain('\n')
      expect(message.length).toBeLessThan(300)
    })
  }

  it("says so when the file was made from a photo's pixels before its EXIF rotation (width and height swapped)", async () => {
    writeFileSync(
      join(work, 'turned.xml'),
      haikuAlto.replace('<Page WIDTH="1600" HEIGHT="375"', '<Page WIDTH="375" HEIGHT="1600"')
    )
    await expect(importOcrFile(join(work, 'turned.xml'), join(SAMPLES, '03_haiku.jpg'))).rejects.toThrow(
      /describes a 375×1600 page but 03_haiku\.jpg is 1600×375 upright \(its EXIF orientation applied\)/
    )
  })

  it('the command exits 1 with the one line and writes no output file', () => {
    // Two cases (each a process start); every case is checked in-process above and through the app below.
    for (const what of ['an image of another size', 'a billion-laughs entity bomb']) {
      const c = CASES[what]
      const out = join(work, `${c.file}.json`)
      const r = spawnSync(
        process.execPath,
        [
          join(ROOT, 'bin', 'glyphdesk.mjs'),
          'import',
          join(work, c.file),
          '--image',
          join(SAMPLES, c.image),
          '--out',
          out
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 }
      )
      expect(r.status, r.stderr).toBe(1)
      // The first CLI start after a source change builds the bundle and says so on its own line first.
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('glyphdesk: built the CLI bundle'))
      expect(lines, r.stderr).toHaveLength(1)
      expect(r.stderr).toMatch(c.message)
      expect(existsSync(out)).toBe(false)
    }
  }, 300_000)
})

describe('glyphdesk import', () => {
  it("writes the PageDoc of Tesseract's hOCR and its image, and says what came in; without --image it is a usage error", async () => {
    const out = join(work, 'haiku.json')
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'glyphdesk.mjs'), 'import', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000
      })
    const r = run(join(TESS, '03_haiku.hocr'), '--image', join(SAMPLES, '03_haiku.jpg'), '--out', out)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/hOCR by tesseract 5\.3\.0: 3 lines, \d+ words, \d+ glyph boxes/)
    const doc = PageDocSchema.parse(JSON.parse(readFileSync(out, 'utf8')))
    // The CLI cuts words into glyphs with the default model's reading stage.
    const inProcess = await importOcrFile(join(TESS, '03_haiku.hocr'), join(SAMPLES, '03_haiku.jpg'), {
      classifier: await loadClassifier()
    })
    expect(doc.boxes).toEqual(inProcess.doc.boxes)
    const u = run(join(TESS, '03_haiku.hocr'))
    expect(u.status).toBe(2)
    expect(u.stderr).toMatch(/--image is required/)
  }, 120_000)
})

describe('pages.import in the app', () => {
  let dataDir: string
  let ctx: AppContext
  let registry: Registry
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-import-route-'))
    ctx = createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async (s) => `/files/page/${s.pageId}` })
    registry = createAppRegistry(ctx)
  })
  afterAll(async () => {
    await ctx.jobs.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses each hostile upload with 422 and one line, keeping no image and no recent entry', async () => {
    const image = { name: '03_haiku.jpg', base64: readFileSync(join(SAMPLES, '03_haiku.jpg')).toString('base64') }
    for (const [what, c] of Object.entries(CASES)) {
      if (c.file === 'huge.xml') continue // by path below: a 200 MB upload is refused by size the same way
      const r = await registry.invoke('pages.import', {
        ocr: { name: c.file, base64: readFileSync(join(work, c.file)).toString('base64') },
        image
      })
      expect(r.ok, what).toBe(false)
      if (!r.ok) {
        expect(r.error.status, what).toBe(422)
        expect(r.error.name).toBe('InterchangeError')
        expect(r.error.message, what).toMatch(c.message)
        expect(r.error.message).not.toContain('\n')
      }
    }
    // Files given by path are ones the person chose (as the open dialog grants them).
    ctx.files.grant(join(work, 'huge.xml'), 'read')
    const huge = await registry.invoke('pages.import', {
      ocr: { path: join(work, 'huge.xml') },
      image: { path: join(SAMPLES, '03_haiku.jpg') }
    })
    expect(huge.ok).toBe(false)
    if (!huge.ok) expect(huge.error.message).toMatch(CASES['a 200 MB file'].message)
    expect(existsSync(join(dataDir, 'pages')) ? readdirSync(join(dataDir, 'pages')) : []).toEqual([])
    expect(ctx.settings.get().recent).toEqual([])
  })

  it("opens Tesseract's hOCR with its image as a page: boxes with the tool's labels, previews, and the image it names when none is given", async () => {
    ctx.files.grant(join(TESS, '04_deep.hocr'), 'read') // chosen in the open dialog
    const r = await registry.invoke('pages.import', {
      ocr: { path: join(TESS, '04_deep.hocr') },
      image: { path: join(SAMPLES, '04_deep.jpg') }
    })
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true)
    if (!r.ok) return
    const page = OpenedPageSchema.parse(r.value)
    expect(page.doc.imported).toMatchObject({ format: 'hocr', tool: 'tesseract 5.3.0' })
    expect(page.doc.boxes.length).toBeGreaterThan(20)
    expect(Object.keys(page.glyphs).sort()).toEqual(page.doc.boxes.map((b) => b.id).sort())
    // Re-reading a box in the app replaces the tool's reading with the model's (and drops the import mark).
    const rec = await registry.invoke('pages.recognize', { doc: page.doc, boxIds: [page.doc.boxes[0].id] })
    expect(rec.ok).toBe(true)
    // Without an image: the one the file names (Tesseract wrote resources/samples/04_deep.jpg), beside the file.
    const alone = await registry.invoke('pages.import', { ocr: { path: join(TESS, '04_deep.hocr') } })
    expect(alone.ok).toBe(false)
    if (!alone.ok) expect(alone.error.message).toMatch(/names the image 04_deep\.jpg, which is not beside it/)
    writeFileSync(join(work, '04_deep.hocr'), readFileSync(join(TESS, '04_deep.hocr')))
    writeFileSync(join(work, '04_deep.jpg'), readFileSync(join(SAMPLES, '04_deep.jpg')))
    ctx.files.grant(join(work, '04_deep.hocr'), 'read')
    const beside = await registry.invoke('pages.import', { ocr: { path: join(work, '04_deep.hocr') } })
    expect(beside.ok, beside.ok ? '' : beside.error.message).toBe(true)
    if (beside.ok) expect(OpenedPageSchema.parse(beside.value).doc.image.path).toBe(join(work, '04_deep.jpg'))
  })
})
