// The Lab: the experiment reports `glyphdesk experiment` wrote (lr-sweep, weights, confusion, …),
// listed from the reports folder and opened one at a time; each report is fetched once and kept.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LabEntry, RouteOutput } from '@shared/contract.ts'
import { api } from '../clients/api.ts'

export type OpenedReport = RouteOutput<'lab.report'>

export const useLabStore = defineStore('lab', () => {
  const dir = ref<string | null>(null)
  const entries = ref<LabEntry[]>([])
  const selected = ref<string | null>(null)
  const reports = ref<Record<string, OpenedReport>>({})
  const loading = ref(false)
  const error = ref<string | null>(null)

  const current = computed<OpenedReport | null>(() => (selected.value ? (reports.value[selected.value] ?? null) : null))

  /** Lists the reports folder (`newDir` switches to another one) and opens the first good report. */
  async function refresh(newDir?: string): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const r = await api().lab.list(newDir ? { dir: newDir } : {})
      if (r.dir !== dir.value) reports.value = {}
      dir.value = r.dir
      entries.value = r.experiments
      const keep = entries.value.find((e) => e.name === selected.value && e.ok)
      const first = keep ?? entries.value.find((e) => e.ok)
      if (first) await open(first.name)
      else selected.value = null
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      loading.value = false
    }
  }

  async function open(name: string): Promise<void> {
    selected.value = name
    if (reports.value[name]) return
    error.value = null
    try {
      const r = await api().lab.report({ name })
      reports.value = { ...reports.value, [name]: r }
    } catch (e) {
      if (selected.value === name) error.value = e instanceof Error ? e.message : String(e)
    }
  }

  /** Lists the folder the first time the Lab is shown; later visits keep what was loaded. */
  async function ensureLoaded(): Promise<void> {
    if (dir.value === null && !loading.value) await refresh()
  }

  return { dir, entries, selected, reports, loading, error, current, refresh, open, ensureLoaded }
})
