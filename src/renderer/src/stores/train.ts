// The retrain panel's job: start, follow its numbered progress events (asking jobs.status for the
// whole state when one was missed), cancel, and compare the page read by the old and new model.
import { errorMessage } from '@shared/errorMessage.ts'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { TrainConfigSchema, type JobStatus, type RouteOutput, type TrainRequest } from '@shared/contract.ts'
import { boxesByLine, boxText, pageDisplayName, type PageDoc } from '@shared/pagedoc.ts'
import { applyPredictions, setUserLabel } from '@shared/pageEdits.ts'
import type { Suspect } from '@shared/contract.ts'
import { useViewStore } from './view.ts'
import { api } from '../clients/api.ts'
import { useModelsStore } from './models.ts'
import { usePageStore } from './page.ts'

export interface PageDiff {
  index: number
  name: string
  changed: { id: string; from: string; to: string }[]
  /** The page's text now and with the model, with the changed characters marked. */
  before: TextPiece[][]
  after: TextPiece[][]
  doc: PageDoc
}
export interface TextPiece {
  text: string
  id?: string
  changed?: boolean
}
export interface Comparison {
  model: string
  /** 'retrain': a model just trained (discarding deletes it); 'reread': an existing model (discarding keeps the reading). */
  origin: 'retrain' | 'reread'
  pages: PageDiff[]
  changedTotal: number
  /** The retrain's never-trained check glyphs, when it measured them. */
  check: { n: number; base: number; after: number } | null
}

/** A page's text as pieces: one per character (its box), spaces between words, changed boxes marked. */
function textPieces(doc: PageDoc, changed: Set<string>): TextPiece[][] {
  return boxesByLine(doc).map((line) =>
    line.flatMap((b, i) => [
      ...(i > 0 && b.word !== line[i - 1].word ? [{ text: ' ' }] : []),
      { text: boxText(b), id: b.id, ...(changed.has(b.id) ? { changed: true } : {}) }
    ])
  )
}

/** The display name of a page: its file name. */
export function pageName(doc: PageDoc): string {
  return pageDisplayName(doc.image.path, doc.image.page)
}

/**
 * The retrain form's starting values: the contract's own defaults (src/shared/contract.ts TrainConfigSchema), so the
 * form and a request that leaves a field out train alike. heldOut 0: every correction trains; the result is scored by
 * cross-validation and on the shipped check glyphs instead.
 */
export const DEFAULT_TRAIN: Omit<TrainRequest, 'baseModel'> = (({ baseModel: _, ...rest }) => rest)(
  TrainConfigSchema.parse({ baseModel: '-' })
)

export const useTrainStore = defineStore('train', () => {
  const job = ref<JobStatus | null>(null)
  const error = ref<string | null>(null)
  const comparison = ref<Comparison | null>(null)
  /** Corrections to look at again before training, and the person's decision on each. */
  const guard = ref<{ config: TrainRequest; suspects: Suspect[]; decisions: Record<string, 'keep' | 'drop'> } | null>(
    null
  )
  /** The default model before the last accepted one: one click goes back to it. */
  const previousModel = ref<string | null>(null)
  let listening = false
  let lastEventAt = 0
  let watchdog: ReturnType<typeof setInterval> | null = null

  const running = computed(() => job.value?.state === 'running' || job.value?.state === 'queued')

  /** Applies a progress event; a gap in seq means missed events: fetch the whole status. */
  function onProgress(s: JobStatus): void {
    const cur = job.value
    if (!cur || s.id !== cur.id) return
    lastEventAt = Date.now()
    if (s.seq <= cur.seq) return
    if (s.seq !== cur.seq + 1) {
      void resync()
      return
    }
    settle(s)
  }

  function settle(s: JobStatus): void {
    const newlyDone = s.state === 'done' && !(job.value?.id === s.id && job.value.state === 'done')
    job.value = s
    if (s.state !== 'running' && s.state !== 'queued' && watchdog) {
      clearInterval(watchdog)
      watchdog = null
    }
    if (newlyDone) void useModelsStore().refresh()
  }

  /** Events can be missed (the stream reconnecting, a job faster than the subscription): resync when quiet. */
  function startWatchdog(): void {
    if (watchdog) clearInterval(watchdog)
    lastEventAt = Date.now()
    watchdog = setInterval(() => {
      if (Date.now() - lastEventAt > 2500) void resync()
    }, 1000)
  }

  function listen(): void {
    if (listening) return
    listening = true
    api().on('job.progress', onProgress)
  }

  /**
   * Before training: ask main for suspicious corrections. None → train at once; some → the person decides
   * on each (keep or drop) and then trains with `confirmGuard`.
   */
  async function start(config: TrainRequest): Promise<void> {
    listen()
    error.value = null
    comparison.value = null
    const docs = usePageStore().pages.map((p) => p.present)
    try {
      const r = await api().train.check({ baseModel: config.baseModel, docs })
      if (r.suspects.length) {
        guard.value = { config, suspects: r.suspects, decisions: {} }
        return
      }
    } catch (e) {
      error.value = errorMessage(e)
      return
    }
    await launch(config)
  }

  const suspectKey = (s: Suspect) => `${s.page}/${s.boxId}`
  function decide(s: Suspect, d: 'keep' | 'drop'): void {
    if (!guard.value) return
    guard.value = { ...guard.value, decisions: { ...guard.value.decisions, [suspectKey(s)]: d } }
  }
  const undecided = computed(
    () => guard.value?.suspects.filter((s) => !guard.value!.decisions[suspectKey(s)]).length ?? 0
  )

  /** Drops the corrections the person dropped (their label is cleared: an undoable edit per page), then trains. */
  async function confirmGuard(): Promise<void> {
    const g = guard.value
    if (!g) return
    const pages = usePageStore()
    const byPage = new Map<number, string[]>()
    for (const s of g.suspects)
      if (g.decisions[suspectKey(s)] === 'drop') byPage.set(s.page, [...(byPage.get(s.page) ?? []), s.boxId])
    for (const [index, ids] of byPage) {
      const p = pages.pages[index]
      if (p) pages.applyTo(index, setUserLabel(p.present, ids, null))
    }
    guard.value = null
    await launch(g.config)
  }

  async function launch(config: TrainRequest): Promise<void> {
    const docs = usePageStore().pages.map((p) => p.present)
    job.value = null // the last job's result and charts go; the new job's come with its first status
    try {
      const { jobId } = await api().train.start({ config, docs })
      job.value = null
      startWatchdog()
      settle(await api().jobs.status({ id: jobId }))
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function cancel(): Promise<void> {
    if (job.value) await api().jobs.cancel({ id: job.value.id })
  }

  async function resync(): Promise<void> {
    if (!job.value) return
    lastEventAt = Date.now()
    const full = await api().jobs.status({ id: job.value.id })
    if (job.value?.id === full.id && full.seq >= job.value.seq) settle(full)
  }

  /**
   * Reads open pages (all, or only the current one) with `model` without changing them: every reading that
   * would change, per page, highlighted on the page and in the text until accepted or discarded.
   */
  async function compare(
    model: string,
    opts: { origin?: 'retrain' | 'reread'; onlyCurrent?: boolean } = {}
  ): Promise<void> {
    const pages = usePageStore()
    const indices = opts.onlyCurrent ? [pages.current] : pages.pages.map((_, i) => i)
    const diffs: PageDiff[] = []
    for (const index of indices) {
      const doc = pages.pages[index]?.present
      if (!doc) continue
      const r: RouteOutput<'pages.recognize'> = await api().pages.recognize({
        doc,
        boxIds: doc.boxes.map((b) => b.id),
        model
      })
      const after = applyPredictions(doc, r.predictions)
      const old = new Map(doc.boxes.map((b) => [b.id, b.label ?? '?']))
      const changed = after.boxes
        .filter((b) => (b.label ?? '?') !== old.get(b.id))
        .map((b) => ({ id: b.id, from: old.get(b.id)!, to: b.label ?? '?' }))
      const ids = new Set(changed.map((c) => c.id))
      diffs.push({
        index,
        name: pageName(doc),
        changed,
        before: textPieces(doc, ids),
        after: textPieces(after, ids),
        doc: { ...after, model: { name: model } }
      })
    }
    const ev = job.value?.result?.model === model ? (job.value.result.evaluation?.replayCheck ?? null) : null
    comparison.value = {
      model,
      origin: opts.origin ?? 'retrain',
      pages: diffs,
      changedTotal: diffs.reduce((n, d) => n + d.changed.length, 0),
      check: ev ? { n: ev.n, base: ev.base, after: ev.after } : null
    }
    useViewStore().highlight = Object.fromEntries(diffs.map((d) => [d.index, d.changed.map((c) => c.id)]))
  }

  function clearComparison(): void {
    comparison.value = null
    useViewStore().highlight = {}
  }

  /** Takes the model: its reading on every compared page (one undoable edit each), and it becomes the default. */
  async function acceptComparison(): Promise<void> {
    const c = comparison.value
    if (!c) return
    const pages = usePageStore()
    for (const d of c.pages) pages.applyTo(d.index, { doc: d.doc, touched: [] })
    const models = useModelsStore()
    const before = models.list.find((m) => m.isDefault)?.name ?? null
    if (before !== c.model) {
      previousModel.value = before
      await models.setDefault(c.model)
    }
    clearComparison()
  }

  /** Keeps the reading as it was; a model just trained is deleted (nothing of it stays). */
  async function discardComparison(): Promise<void> {
    const c = comparison.value
    if (!c) return
    clearComparison()
    if (c.origin === 'retrain') {
      await api().models.remove({ name: c.model })
      await useModelsStore().refresh()
      if (job.value?.result?.model === c.model) job.value = null
    }
  }

  /** One click back: the previous default model again, and every open page read with it. */
  async function returnToPrevious(): Promise<void> {
    const prev = previousModel.value
    if (!prev) return
    const models = useModelsStore()
    await models.setDefault(prev)
    const pages = usePageStore()
    for (let i = 0; i < pages.pages.length; i++) {
      const doc = pages.pages[i].present
      const r = await api().pages.recognize({ doc, boxIds: doc.boxes.map((b) => b.id), model: prev })
      pages.applyTo(i, { doc: { ...applyPredictions(doc, r.predictions), model: { name: prev } }, touched: [] })
    }
    previousModel.value = null
  }

  return {
    job,
    error,
    comparison,
    guard,
    previousModel,
    running,
    undecided,
    onProgress,
    listen,
    start,
    decide,
    confirmGuard,
    cancel,
    resync,
    compare,
    clearComparison,
    acceptComparison,
    discardComparison,
    returnToPrevious
  }
})
