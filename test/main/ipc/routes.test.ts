// The routes with the real main-process services behind them, called through the registry exactly
// as ipcMain and the HTTP server call them.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InvokeReply, RouteName, RouteOutput } from '../../../src/shared/contract.ts'
import { assembleText, type PageDoc } from '../../../src/shared/pagedoc.ts'
import { addBox, setUserLabel, splitBox } from '../../../src/shared/pageEdits.ts'
import { createAppContext, type AppContext } from '../../../src/main/ipc/context.ts'
import { createAppRegistry } from '../../../src/main/ipc/index.ts'
import type { Registry } from '../../../src/main/ipc/registry.ts'
import sharp from 'sharp'
import { multiPageTiff } from '../helpers/multiPageTiff.ts'

let dataDir: string
let ctx: AppContext
let registry: Registry
let sample: RouteOutput<'pages.openSample'>

async function call<N extends RouteName>(name: N, input: unknown): Promise<RouteOutput<N>> {
  const reply: InvokeReply = await registry.invoke(name, input)
  if (!reply.ok) throw new Error(`${name} failed: ${reply.error.name}: ${reply.error.message}`)
  return reply.value as RouteOutput<N>
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-routes-'))
  ctx = createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async (s) => `/files/page/${s.pageId}` })
  registry = createAppRegistry(ctx)
  // The replay glyph set the retrain tests use, chosen as the folder dialog does.
  ctx.files.grantFolder(join(process.cwd(), 'test/fixtures/synth-mini'))
  sample = await call('pages.openSample', {})
}, 120_000)

afterAll(async () => {
  await ctx.jobs.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('page routes', () => {
  it('opens the bundled sample already transcribed, with a glyph preview for every box', () => {
    expect(sample.doc.boxes.length).toBeGreaterThan(50)
    expect(sample.doc.boxes.every((b) => b.label && typeof b.confidence === 'number')).toBe(true)
    expect(Object.keys(sample.glyphs).sort()).toEqual(sample.doc.boxes.map((b) => b.id).sort())
    expect(Buffer.from(sample.glyphs[sample.doc.boxes[0].id], 'base64').length).toBe(1024)
  })

  it('re-reads unedited boxes exactly as the first reading did (the previews are what the model saw)', async () => {
    const ids = sample.doc.boxes.map((b) => b.id)
    const r = await call('pages.recognize', { doc: sample.doc, boxIds: ids })
    const byId = new Map(r.predictions.map((p) => [p.id, p]))
    for (const b of sample.doc.boxes) {
      expect(byId.get(b.id)?.label).toBe(b.label)
      expect(byId.get(b.id)?.glyph).toBe(sample.glyphs[b.id])
    }
  })

  it('recognises the boxes a split made', async () => {
    const wide = [...sample.doc.boxes].sort((a, b) => b.w - a.w)[0]
    const edit = splitBox(sample.doc, wide.id)
    const r = await call('pages.recognize', { doc: edit.doc, boxIds: edit.touched })
    expect(r.predictions.map((p) => p.id)).toEqual(edit.touched)
    expect(r.predictions.every((p) => p.label && p.top3?.length === 3)).toBe(true)
  })

  it('gives a box drawn on blank paper no label (nothing to read), and reads a box with ink', async () => {
    // The sample's top-left corner, above and left of every box: paper only.
    const top = Math.min(...sample.doc.boxes.map((b) => b.y)),
      left = Math.min(...sample.doc.boxes.map((b) => b.x))
    const blank = addBox(sample.doc, { x: 2, y: 2, w: Math.min(40, left - 4), h: Math.min(40, top - 4) })
    const r = await call('pages.recognize', { doc: blank.doc, boxIds: [...blank.touched, sample.doc.boxes[0].id] })
    expect(r.predictions[0].label).toBeUndefined()
    expect(r.predictions[0].confidence).toBeUndefined()
    expect(r.predictions[1].label).toBeDefined()
  })

  it('opens an image sent as bytes (drag-and-drop, browser file picker) and keeps it in the user data folder', async () => {
    const bytes = readFileSync(join(process.cwd(), 'resources', 'samples', '03_haiku.jpg'))
    const r = await call('pages.openBytes', { name: 'my page.jpg', base64: bytes.toString('base64') })
    expect(r.doc.image.path.startsWith(join(dataDir, 'pages'))).toBe(true)
    // The file keeps the person's name (no hash prefix), so the page picker and exports show "my_page".
    expect(r.doc.image.path).toMatch(/[\\/][0-9a-f]{12}[\\/]my_page\.jpg$/)
    expect((await call('export.page', { doc: r.doc, format: 'alto' })).fileName).toBe('my_page.alto.xml')
    expect(r.doc.boxes.length).toBeGreaterThan(10)
    expect(await call('recent.list', {})).toContain(r.doc.image.path)
  })

  it("opens a multi-page TIFF's pages each as a page of its own: read, shown, re-read, exported and cut apart", async () => {
    const samples = join(process.cwd(), 'resources', 'samples')
    const tif = await multiPageTiff([join(samples, '02_letters.jpg'), join(samples, '04_deep.jpg')], 1600, 1150)
    const first = await call('pages.openBytes', { name: 'stack.tif', base64: tif.toString('base64') })
    expect(first.pages).toBe(2)
    expect(first.doc.image.page).toBe(0)
    // The renderer opens the other pages by path, as it does after Open…
    const second = await call('pages.open', { path: first.doc.image.path, page: 1 })
    expect(second.doc.image.page).toBe(1)
    expect(second.pageId).not.toBe(first.pageId)
    expect(assembleText(first.doc)).toMatch(/^ABCDEFG$/m)
    expect(assembleText(second.doc)).toMatch(/^DEEP LEARNING$/m)
    expect(assembleText(second.doc)).not.toMatch(/ABCDEFG/)
    // A saved page attaches to its own page's session, and its bitmap is that page.
    expect((await call('pages.attach', { doc: second.doc })).pageId).toBe(second.pageId)
    const bitmaps = await Promise.all(
      [first, second].map((r) =>
        ctx.pages.display(ctx.pages.get(r.pageId)!).then((d) => sharp(d.bytes).raw().toBuffer())
      )
    )
    expect(bitmaps[0].equals(bitmaps[1])).toBe(false)
    // Edited boxes are re-read from their own page's pixels.
    const ids = second.doc.boxes.slice(0, 8).map((b) => b.id)
    const reread = await call('pages.recognize', { doc: second.doc, boxIds: ids })
    expect(reread.predictions.map((p) => p.label)).toEqual(second.doc.boxes.slice(0, 8).map((b) => b.label))
    // Exports and glyph files are named by page, so two pages' files never overwrite each other.
    expect((await call('export.page', { doc: second.doc, format: 'alto' })).fileName).toBe('stack-p2.alto.xml')
    const labelled = [first, second].map((r) => setUserLabel(r.doc, [r.doc.boxes[0].id], 'K').doc)
    const out = await call('export.glyphs', {
      docs: labelled,
      format: 'png',
      onlyCorrected: true,
      outDir: join(dataDir, 'g-stack')
    })
    expect(out.count).toBe(2)
    // Box ids are per page (both pages have a b1): the page in the name keeps the two glyphs apart.
    expect(out.files.filter((f) => f.startsWith('glyphs/'))).toEqual(
      labelled.map((d, k) => `glyphs/K/stack-p${k + 1}_${d.boxes[0].id}.png`)
    )
  })

  it('serves a URL for the bitmap and says which page is unknown', async () => {
    expect((await call('pages.image', { pageId: sample.pageId })).url).toBe(`/files/page/${sample.pageId}`)
    const r = await registry.invoke('pages.image', { pageId: 'ffff' })
    expect(r.ok === false && r.error.status).toBe(404)
  })
})

describe('export routes', () => {
  it("exports the text with the person's labels over the predictions", async () => {
    const doc = setUserLabel(sample.doc, [sample.doc.boxes[0].id], 'Q').doc
    const r = await call('export.page', { doc, format: 'txt' })
    expect(r.text).toBe(assembleText(doc) + '\n')
    expect(r.text[0]).toBe('Q')
    expect(r.fileName).toBe('01_list.txt')
  })

  it('writes the glyph dataset as PNGs and as idx binaries with a CSV of sources', async () => {
    const doc = setUserLabel(
      sample.doc,
      sample.doc.boxes.slice(0, 3).map((b) => b.id),
      'K'
    ).doc
    const png = await call('export.glyphs', {
      docs: [doc],
      format: 'png',
      onlyCorrected: true,
      outDir: join(dataDir, 'g-png')
    })
    expect(png.count).toBe(3)
    const csv = readFileSync(join(png.dir, 'labels.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toBe('index,file,label,class_index,labelled_by,source_page,box_id,x,y,w,h')
    expect(csv[1]).toContain(',K,10,person,')
    expect(existsSync(join(png.dir, png.files[0]))).toBe(true)
    const bin = await call('export.glyphs', { docs: [doc], format: 'binary', outDir: join(dataDir, 'g-bin') })
    expect(bin.count).toBe(doc.boxes.length)
    const images = readFileSync(join(bin.dir, 'images-idx3-ubyte'))
    expect(images.readUInt32BE(0)).toBe(0x803)
    expect(images.readUInt32BE(4)).toBe(doc.boxes.length)
    expect(images.length).toBe(16 + 1024 * doc.boxes.length)
  })
})

describe('project routes', () => {
  it('saves atomically and loads back the same pages', async () => {
    const project = { format: 'glyphdesk-project', version: 1, pages: [{ doc: sample.doc }], current: 0, models: [] }
    const path = join(dataDir, 'p.glyphdesk')
    await call('project.save', { project, path })
    const loaded = await call('project.load', { path })
    expect(loaded.project.pages[0].doc).toEqual(sample.doc)
    expect((await call('recent.list', {}))[0]).toBe(path)
  })

  it('refuses a broken project file with a message and leaves the autosave as it was', async () => {
    const project = { format: 'glyphdesk-project', version: 1, pages: [{ doc: sample.doc }], current: 0, models: [] }
    await call('project.save', { project })
    const autosave = readFileSync(join(dataDir, 'autosave.glyphdesk'), 'utf8')
    const bad = join(dataDir, 'bad.glyphdesk')
    writeFileSync(bad, '{"format":"glyphdesk-project","version":1,"pages":[{"doc":{"version":1}}]}')
    const r = await registry.invoke('project.load', { path: bad })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.status).toBe(422)
      expect(r.error.message).toMatch(/not a valid Glyphdesk project.*nothing was changed/)
    }
    expect(readFileSync(join(dataDir, 'autosave.glyphdesk'), 'utf8')).toBe(autosave)
    expect((await call('app.info', {})).autosave).toBe(true)
  })
})

describe('retrain job', () => {
  it('refuses to start without corrections, saying what to do', async () => {
    const r = await registry.invoke('train.start', { config: { baseModel: 'mlp-baseline' }, docs: [sample.doc] })
    expect(r.ok === false && r.error.message).toMatch(/no corrections/)
  })

  it('fine-tunes in a worker with numbered progress events, saves a user model and lists it', async () => {
    // Correct a few glyphs to what the model already says, plus two changed labels.
    let doc: PageDoc = sample.doc
    const ids = doc.boxes.slice(0, 12).map((b) => b.id)
    for (const b of doc.boxes.slice(0, 12)) doc = setUserLabel(doc, [b.id], b.label!).doc
    doc = setUserLabel(doc, [ids[0]], 'M').doc
    const seqs: number[] = []
    const off = ctx.events.subscribe((name, p) => {
      if (name === 'job.progress') seqs.push((p as { seq: number }).seq)
    })
    const { jobId } = await call('train.start', {
      config: {
        baseModel: 'mlp-baseline',
        epochs: 3,
        replayPerClass: 5,
        glyphSetDir: join(process.cwd(), 'test/fixtures/synth-mini'),
        name: 'mine'
      },
      docs: [doc]
    })
    const final = await ctx.jobs.wait(jobId)
    off()
    expect(final.error).toBeUndefined()
    expect(final.state).toBe('done')
    expect(final.curves.length).toBe(3)
    expect(final.result?.model).toBe('mine')
    // Every correction trains (nothing held out by default); the scores say what they were measured on.
    expect(final.result?.heldOut).toBe(0)
    expect(final.result?.after).toBeNull()
    expect(final.result?.replay).toBe(5 * 36)
    const ev = final.result!.evaluation!
    expect(ev.corrections.n).toBe(12)
    // mlp-baseline (not the model that read the page) misreads some; the retrained one fits them better.
    expect(ev.corrections.base).toBeLessThan(1)
    expect(ev.corrections.trained).toBeGreaterThan(ev.corrections.base)
    expect(ev.crossValidated).toMatchObject({ method: 'k-fold', folds: 5, n: 12 })
    expect(ev.replayCheck).toMatchObject({ n: 720 })
    expect(seqs.length).toBeGreaterThan(3)
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1])
    expect((await call('jobs.status', { id: jobId })).seq).toBe(final.seq)
    const models = await call('models.list', {})
    const mine = models.find((m) => m.name === 'mine')
    expect(mine).toMatchObject({ shipped: false, kind: 'mlp', accuracy: ev.replayCheck!.after })
    expect(mine!.accuracyOf).toMatch(/replay check: 720 shipped glyphs never trained on/)
    expect(existsSync(join(dataDir, 'models', 'mine', 'model.json'))).toBe(true)
    const card = await call('models.card', { name: 'mine' })
    expect(card.card['base']).toBe('mlp-baseline')
    // Never a shipped name: asking for one gets a fresh name.
    expect(ctx.models.newModelDir('mlp-best').name).toBe('mlp-best-2')
    await call('models.setDefault', { name: 'mine' })
    expect((await call('app.info', {})).defaultModel).toBe('mine')
  }, 120_000)

  it('retrains a CNN base by training a new head on its embeddings, and the new model reads the page', async () => {
    let doc: PageDoc = sample.doc
    for (const b of doc.boxes.slice(0, 12)) doc = setUserLabel(doc, [b.id], b.label!).doc
    const models = await call('models.list', {})
    expect(models.find((m) => m.name === 'cnn-compact')).toMatchObject({ kind: 'cnn', trainable: true, usable: true })
    const { jobId } = await call('train.start', {
      config: {
        baseModel: 'cnn-compact',
        epochs: 2,
        replayPerClass: 3,
        glyphSetDir: join(process.cwd(), 'test/fixtures/synth-mini'),
        name: 'my-cnn'
      },
      docs: [doc]
    })
    const final = await ctx.jobs.wait(jobId)
    expect(final.error).toBeUndefined()
    expect(final.state).toBe('done')
    const mine = (await call('models.list', {})).find((m) => m.name === 'my-cnn')
    expect(mine).toMatchObject({ shipped: false, kind: 'cnn-head', usable: true })
    const reread = await call('pages.recognize', {
      doc,
      boxIds: doc.boxes.slice(0, 12).map((b) => b.id),
      model: 'my-cnn'
    })
    expect(reread.model).toBe('my-cnn')
    expect(reread.predictions).toHaveLength(12)
  }, 120_000)

  it('cancels a running job after the current batch and saves no model', async () => {
    let doc: PageDoc = sample.doc
    for (const b of doc.boxes.slice(0, 8)) doc = setUserLabel(doc, [b.id], b.label!).doc
    const { jobId } = await call('train.start', {
      config: {
        baseModel: 'mlp-baseline',
        epochs: 200,
        replayPerClass: 20,
        glyphSetDir: join(process.cwd(), 'test/fixtures/synth-mini'),
        name: 'never'
      },
      docs: [doc]
    })
    await new Promise<void>((ok) => {
      const off = ctx.events.subscribe((name, p) => {
        const s = p as { id: string; epoch: number }
        if (name === 'job.progress' && s.id === jobId && s.epoch >= 1) {
          off()
          ok()
        }
      })
    })
    await call('jobs.cancel', { id: jobId })
    const final = await ctx.jobs.wait(jobId)
    expect(final.state).toBe('cancelled')
    expect(final.epoch).toBeLessThan(200)
    expect(existsSync(join(dataDir, 'models', 'never'))).toBe(false)
  }, 120_000)
})
