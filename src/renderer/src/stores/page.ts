// The open pages and their undo histories. Undo/redo works on the PageDoc (snapshots that share
// unchanged boxes), never on the canvas, so every view — canvas, glyph strip, text — follows it.
// Every edit goes through apply(); an edit that changed pixels re-runs recognition for the boxes
// it touched and patches the result into the snapshots that still have those boxes as they were.
import { errorMessage } from '@shared/errorMessage.ts'
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { PageDoc } from '@shared/pagedoc.ts'
import { applyPredictions, type EditResult, type Rect } from '@shared/pageEdits.ts'
import { api } from '../clients/api.ts'

export const HISTORY_LIMIT = 300

export interface OpenPage {
  pageId: string
  imageUrl: string
  past: PageDoc[]
  present: PageDoc
  future: PageDoc[]
  /** Glyph previews by `${id}@${x},${y},${w},${h}`, so undoing a move shows the old glyph again. */
  glyphs: Record<string, string>
}

export const glyphKey = (b: { id: string; x: number; y: number; w: number; h: number }) =>
  `${b.id}@${b.x},${b.y},${b.w},${b.h}`

export const usePageStore = defineStore('page', () => {
  const pages = shallowRef<OpenPage[]>([])
  const current = ref(0)
  /** Bumped on every change of any page's document: autosave and views watch it. */
  const version = ref(0)
  const pending = ref(0)
  const lastError = ref<string | null>(null)

  // Pages are raw objects mutated in place; reading `version` is what makes these recompute
  // (an explicit read: a bare `version.value,` expression can be dropped by the compiler).
  const page = computed<OpenPage | null>(() => pages.value[current.value] ?? null)
  const tracked = <T>(f: (p: OpenPage | null) => T) => computed<T>(() => (version.value >= 0 ? f(page.value) : f(null)))
  const doc = tracked<PageDoc | null>((p) => p?.present ?? null)
  const canUndo = tracked((p) => (p?.past.length ?? 0) > 0)
  const canRedo = tracked((p) => (p?.future.length ?? 0) > 0)

  function touch(): void {
    pages.value = [...pages.value]
    version.value++
  }

  function addPage(p: { pageId: string; imageUrl: string; doc: PageDoc; glyphs: Record<string, string> }): number {
    const glyphs: Record<string, string> = {}
    for (const b of p.doc.boxes) if (p.glyphs[b.id]) glyphs[glyphKey(b)] = p.glyphs[b.id]
    const open: OpenPage = markRaw({
      pageId: p.pageId,
      imageUrl: p.imageUrl,
      past: [],
      present: p.doc,
      future: [],
      glyphs
    })
    pages.value = [...pages.value, open]
    current.value = pages.value.length - 1
    version.value++
    return current.value
  }

  function replaceAll(list: OpenPage[], index: number): void {
    pages.value = list.map((p) => markRaw(p))
    current.value = Math.min(index, Math.max(0, list.length - 1))
    version.value++
  }

  function select(index: number): void {
    if (index >= 0 && index < pages.value.length) {
      current.value = index
      version.value++
    }
  }

  /** Records an edit as one undo step and re-reads the boxes it touched. */
  function apply(edit: EditResult): void {
    const p = page.value
    if (!p || edit.doc === p.present) return
    p.past.push(p.present)
    if (p.past.length > HISTORY_LIMIT) p.past.shift()
    p.present = edit.doc
    p.future = []
    touch()
    if (edit.touched.length) void recognize(p, edit.touched)
  }

  /** apply() on any open page (a model comparison accepted on every page: one undo step on each). */
  function applyTo(index: number, edit: EditResult): void {
    const p = pages.value[index]
    if (!p || edit.doc === p.present) return
    if (index === current.value) return apply(edit)
    p.past.push(p.present)
    if (p.past.length > HISTORY_LIMIT) p.past.shift()
    p.present = edit.doc
    p.future = []
    touch()
    if (edit.touched.length) void recognize(p, edit.touched)
  }

  async function recognize(p: OpenPage, ids: string[], model?: string): Promise<void> {
    const doc = p.present
    const geometry = new Map<string, Rect>()
    for (const b of doc.boxes) if (ids.includes(b.id)) geometry.set(b.id, { x: b.x, y: b.y, w: b.w, h: b.h })
    pending.value++
    try {
      const r = await api().pages.recognize({ doc, boxIds: ids, ...(model ? { model } : {}) })
      for (const pr of r.predictions) {
        const g = geometry.get(pr.id)
        if (g) p.glyphs[glyphKey({ id: pr.id, ...g })] = pr.glyph
      }
      const patch = (d: PageDoc) => applyPredictions(d, r.predictions, geometry)
      p.past = p.past.map(patch)
      p.present = patch(p.present)
      p.future = p.future.map(patch)
      lastError.value = null
      touch()
    } catch (e) {
      lastError.value = `recognition failed: ${errorMessage(e)}`
    } finally {
      pending.value--
    }
  }

  function undo(): boolean {
    const p = page.value
    const prev = p?.past.pop()
    if (!p || !prev) return false
    p.future.push(p.present)
    p.present = prev
    touch()
    return true
  }

  function redo(): boolean {
    const p = page.value
    const next = p?.future.pop()
    if (!p || !next) return false
    p.past.push(p.present)
    p.present = next
    touch()
    return true
  }

  function glyphFor(b: { id: string; x: number; y: number; w: number; h: number }): string | undefined {
    return page.value?.glyphs[glyphKey(b)]
  }

  return {
    pages,
    current,
    version,
    pending,
    lastError,
    page,
    doc,
    canUndo,
    canRedo,
    addPage,
    replaceAll,
    select,
    apply,
    applyTo,
    recognize,
    undo,
    redo,
    glyphFor
  }
})
