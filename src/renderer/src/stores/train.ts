// The retrain panel's job: start, follow its numbered progress events (asking jobs.status for the
// whole state when one was missed), cancel, and compare the page read by the old and new model.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { JobStatus, RouteOutput, TrainRequest } from '@shared/contract.ts'
import { assembleText, type PageDoc } from '@shared/pagedoc.ts'
import { applyPredictions } from '@shared/pageEdits.ts'
import { api } from '../clients/api.ts'
import { useModelsStore } from './models.ts'
import { usePageStore } from './page.ts'

export interface Comparison { model: string; before: string; after: string; changed: { id: string; from: string; to: string }[]; doc: PageDoc }

// heldOut 0: every correction trains; the result is scored by cross-validation and on the shipped check glyphs instead.
export const DEFAULT_TRAIN: Omit<TrainRequest, 'baseModel'> = { epochs: 12, lr: 0.0005, batch: 32, heldOut: 0, replayPerClass: 30, seed: 1 }

export const useTrainStore = defineStore('train', () => {
  const job = ref<JobStatus | null>(null)
  const error = ref<string | null>(null)
  const comparison = ref<Comparison | null>(null)
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
    if (s.state !== 'running' && s.state !== 'queued' && watchdog) { clearInterval(watchdog); watchdog = null }
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

  async function start(config: TrainRequest): Promise<void> {
    listen()
    error.value = null
    comparison.value = null
    const docs = usePageStore().pages.map((p) => p.present)
    try {
      const { jobId } = await api().train.start({ config, docs })
      job.value = null
      startWatchdog()
      settle(await api().jobs.status({ id: jobId }))
    } catch (e) {
      error.value = (e as Error).message
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

  /** Reads the current page with the new model without changing it: a side-by-side diff. */
  async function compare(model: string): Promise<void> {
    const pages = usePageStore()
    const doc = pages.doc
    if (!doc) return
    const r: RouteOutput<'pages.recognize'> = await api().pages.recognize({ doc, boxIds: doc.boxes.map((b) => b.id), model })
    const after = applyPredictions(doc, r.predictions)
    const oldById = new Map(doc.boxes.map((b) => [b.id, b.label ?? '?']))
    const changed = after.boxes.filter((b) => (b.label ?? '?') !== oldById.get(b.id)).map((b) => ({ id: b.id, from: oldById.get(b.id)!, to: b.label ?? '?' }))
    comparison.value = { model, before: assembleText(doc), after: assembleText(after), changed, doc: { ...after, model: { name: model } } }
  }

  /** Takes the new model's reading (one undoable edit). */
  function acceptComparison(): void {
    if (comparison.value) usePageStore().apply({ doc: comparison.value.doc, touched: [] })
    comparison.value = null
  }

  return { job, error, comparison, running, onProgress, listen, start, cancel, resync, compare, acceptComparison }
})
