// The model picker: shipped and user models with their cards, the default, and re-reading the
// page with another model (one undoable edit).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RouteOutput } from '@shared/contract.ts'
import { applyPredictions } from '@shared/pageEdits.ts'
import { api } from '../clients/api.ts'
import { usePageStore } from './page.ts'

export type ModelInfo = RouteOutput<'models.list'>[number]

export const useModelsStore = defineStore('models', () => {
  const list = ref<ModelInfo[]>([])
  const cards = ref<Record<string, Record<string, unknown>>>({})
  const selected = ref<string | null>(null)

  async function refresh(): Promise<void> {
    list.value = await api().models.list({})
    if (!selected.value || !list.value.some((m) => m.name === selected.value))
      selected.value = list.value.find((m) => m.isDefault)?.name ?? list.value[0]?.name ?? null
  }

  async function card(name: string): Promise<Record<string, unknown>> {
    if (!cards.value[name]) cards.value = { ...cards.value, [name]: (await api().models.card({ name })).card }
    return cards.value[name]
  }

  async function setDefault(name: string): Promise<void> {
    await api().models.setDefault({ name })
    await refresh()
  }

  /** Re-reads every box of the current page with `name`, as one undoable edit. */
  async function rereadPage(name: string): Promise<void> {
    const pages = usePageStore()
    const doc = pages.doc
    if (!doc) return
    const r = await api().pages.recognize({ doc, boxIds: doc.boxes.map((b) => b.id), model: name })
    pages.apply({ doc: { ...applyPredictions(doc, r.predictions), model: { name: r.model } }, touched: [] })
  }

  return { list, cards, selected, refresh, card, setDefault, rereadPage }
})
