// The session: start-up (restore the autosave, else open the bundled sample already transcribed),
// opening pages and projects, importing another tool's OCR file (hOCR, ALTO, PAGE XML) with its page image,
// saving (atomic, in main), autosave after every change, recent files.
import { errorMessage } from '@shared/errorMessage.ts'
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { Project, RouteOutput } from '@shared/contract.ts'
import { api } from '../clients/api.ts'
import { glyphKey, usePageStore, type OpenPage } from './page.ts'
import { useModelsStore } from './models.ts'
import { useTrainStore } from './train.ts'
import { useViewStore } from './view.ts'

export type AppInfo = RouteOutput<'app.info'>
export const AUTOSAVE_DELAY_MS = 1200
/** Files opened as another tool's OCR output rather than as a page image. */
export const OCR_FILE = /\.(xml|hocr|html?)$/i

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

export const useSessionStore = defineStore('session', () => {
  const pages = usePageStore()
  const view = useViewStore()
  const info = ref<AppInfo | null>(null)
  const busy = ref<string | null>(null)
  const projectPath = ref<string | null>(null)
  const savedVersion = ref(0)
  const autosaveError = ref<string | null>(null)
  let autosaveTimer: ReturnType<typeof setTimeout> | null = null

  async function run<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    busy.value = what
    try {
      return await f()
    } catch (e) {
      view.notify(errorMessage(e), 'error')
      return undefined
    } finally {
      busy.value = null
    }
  }

  async function addOpened(r: RouteOutput<'pages.open'>): Promise<void> {
    const { url } = await api().pages.image({ pageId: r.pageId })
    pages.addPage({ pageId: r.pageId, imageUrl: url, doc: r.doc, glyphs: r.glyphs })
    for (const w of r.warnings) view.notify(w)
  }

  /**
   * A file of several pages (a scanner's multi-page TIFF): its first page is open; the others are read one after
   * the other, each a page of its own in the page list, the status bar saying which.
   */
  async function addOpenedFile(first: RouteOutput<'pages.open'>): Promise<void> {
    await addOpened(first)
    const n = first.pages ?? 1
    const name = first.doc.image.path.split(/[\\/]/).pop()
    for (let k = 1; k < n; k++) {
      busy.value = `Reading ${name}, page ${k + 1} of ${n}…`
      await addOpened(await api().pages.open({ path: first.doc.image.path, page: k }))
    }
  }

  async function init(): Promise<void> {
    info.value = await api().app.info({})
    // Subscribe to job events now, so the stream is open before any job starts.
    useTrainStore().listen()
    void useModelsStore().refresh()
    if (info.value.autosave && (await restore())) return
    await openSample()
  }

  async function openSample(): Promise<void> {
    await run('Reading the sample page…', async () => addOpened(await api().pages.openSample({})))
  }

  function importNotice(r: RouteOutput<'pages.import'>): void {
    const { report: x } = r
    const toCheck = x.unalignedWords + x.emptyWords
    view.notify(
      `Imported ${x.words} words from ${x.tool} (${x.version}): ${x.boxes} glyph boxes with its labels${toCheck ? `; ${toCheck} words could not be aligned to its text (no labels)` : ''}; confirm them in review`
    )
  }

  /** An OCR file on disk with its image (default: the image the file names, beside it). */
  async function importPath(path: string, image?: string): Promise<void> {
    await run(`Importing ${path.split(/[\\/]/).pop()}…`, async () => {
      const r = await api().pages.import({ ocr: { path }, ...(image ? { image: { path: image } } : {}) })
      await addOpened(r)
      importNotice(r)
    })
    await refreshRecent()
  }

  /** Several files at once (browser picker, drop): an OCR file is imported with the image among them. */
  async function openFiles(files: File[]): Promise<void> {
    const ocr = files.find((f) => OCR_FILE.test(f.name))
    if (!ocr) {
      if (files[0]) await openFile(files[0])
      return
    }
    const image = files.find((f) => f !== ocr)
    if (!image) {
      view.notify(`Choose the page image together with ${ocr.name} (select both files)`, 'error')
      return
    }
    await run(`Importing ${ocr.name}…`, async () => {
      const b64 = async (f: File) => toBase64(new Uint8Array(await f.arrayBuffer()))
      const r = await api().pages.import({
        ocr: { name: ocr.name, base64: await b64(ocr) },
        image: { name: image.name, base64: await b64(image) }
      })
      await addOpened(r)
      importNotice(r)
    })
  }

  async function openPath(path: string): Promise<void> {
    if (/\.glyphdesk$/i.test(path)) return loadProject(path)
    if (OCR_FILE.test(path)) return importPath(path)
    await run(`Reading ${path.split(/[\\/]/).pop()}…`, async () => addOpenedFile(await api().pages.open({ path })))
    await refreshRecent()
  }

  async function openFile(file: File): Promise<void> {
    await run(`Reading ${file.name}…`, async () => {
      const base64 = toBase64(new Uint8Array(await file.arrayBuffer()))
      await addOpenedFile(await api().pages.openBytes({ name: file.name, base64 }))
    })
    await refreshRecent()
  }

  async function refreshRecent(): Promise<void> {
    if (info.value) info.value = { ...info.value, recent: await api().recent.list({}) }
  }

  function project(): Project {
    return {
      format: 'glyphdesk-project',
      version: 1,
      pages: pages.pages.map((p) => ({ doc: p.present })),
      current: pages.current,
      models: []
    }
  }

  /** Rebuilds the open pages from a project; only called with a project that loaded and validated. */
  async function adopt(p: Project): Promise<void> {
    const opened: OpenPage[] = []
    for (const { doc } of p.pages) {
      const r = await api().pages.attach({ doc })
      const { url } = await api().pages.image({ pageId: r.pageId })
      const glyphs: Record<string, string> = {}
      for (const b of doc.boxes) if (r.glyphs[b.id]) glyphs[glyphKey(b)] = r.glyphs[b.id]
      opened.push({ pageId: r.pageId, imageUrl: url, past: [], present: doc, future: [], glyphs })
    }
    pages.replaceAll(opened, p.current)
    savedVersion.value = pages.version
  }

  async function restore(): Promise<boolean> {
    const ok = await run('Restoring your last session…', async () => {
      const { project: p } = await api().project.load({})
      if (p.pages.length === 0) return false
      await adopt(p)
      view.notify(`Restored ${p.pages.length} page${p.pages.length === 1 ? '' : 's'} from the autosave`)
      return true
    })
    return ok === true
  }

  async function loadProject(path: string): Promise<void> {
    // Load and validate first; the open pages change only once everything is in hand.
    await run('Opening the project…', async () => {
      const { project: p, path: at } = await api().project.load({ path })
      await adopt(p)
      projectPath.value = at
    })
    await refreshRecent()
  }

  async function save(path?: string): Promise<string | undefined> {
    const target = path ?? projectPath.value ?? undefined
    return run('Saving…', async () => {
      const r = await api().project.save({ project: project(), ...(target ? { path: target } : {}) })
      if (target) {
        projectPath.value = r.path
        view.notify(`Saved ${r.path}`)
      }
      savedVersion.value = pages.version
      return r.path
    })
  }

  async function autosave(): Promise<void> {
    if (pages.pages.length === 0) return
    const at = pages.version
    try {
      await api().project.save({ project: project() })
      autosaveError.value = null
      if (!projectPath.value) savedVersion.value = at
    } catch (e) {
      autosaveError.value = errorMessage(e)
    }
  }

  watch(
    () => pages.version,
    () => {
      if (autosaveTimer) clearTimeout(autosaveTimer)
      autosaveTimer = setTimeout(() => void autosave(), AUTOSAVE_DELAY_MS)
    }
  )

  return {
    info,
    busy,
    projectPath,
    savedVersion,
    autosaveError,
    init,
    openSample,
    openPath,
    openFile,
    openFiles,
    importPath,
    loadProject,
    save,
    autosave,
    refreshRecent,
    project
  }
})
