// Which boxes are selected, and the review queue walk (Tab / Shift-Tab: lowest confidence first).
// Selection is view state: it is not part of the document and undo does not touch it.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { reviewOrder } from '@shared/pageEdits.ts'
import { usePageStore } from './page.ts'

export const useSelectionStore = defineStore('selection', () => {
  const pageStore = usePageStore()
  const ids = ref<string[]>([])
  /** The box the keyboard acts on (last clicked or reached by Tab). */
  const primary = ref<string | null>(null)
  /** Bumped when the view should bring the primary box into sight. */
  const reveal = ref(0)

  const set = computed(() => new Set(ids.value))
  const primaryBox = computed(() => pageStore.doc?.boxes.find((b) => b.id === primary.value) ?? null)

  function select(list: string[], opts: { reveal?: boolean } = {}): void {
    ids.value = [...new Set(list)]
    primary.value = ids.value[ids.value.length - 1] ?? null
    if (opts.reveal) reveal.value++
  }
  function toggle(id: string): void {
    if (set.value.has(id)) {
      ids.value = ids.value.filter((x) => x !== id)
      if (primary.value === id) primary.value = ids.value[ids.value.length - 1] ?? null
    } else {
      ids.value = [...ids.value, id]
      primary.value = id
    }
  }
  function clear(): void {
    ids.value = []
    primary.value = null
  }

  /** Next (or previous) box in review order after the primary one; wraps around. */
  function reviewStep(direction: 1 | -1): string | null {
    const doc = pageStore.doc
    if (!doc || doc.boxes.length === 0) return null
    const order = reviewOrder(doc)
    const at = primary.value ? order.findIndex((b) => b.id === primary.value) : -1
    const next = at < 0 ? (direction === 1 ? 0 : order.length - 1) : (at + direction + order.length) % order.length
    const id = order[next].id
    select([id], { reveal: true })
    return id
  }

  // Boxes that an undo or a delete removed drop out of the selection. Synchronous: a batched
  // watcher would miss an edit undone in the same tick (the document looks unchanged to it).
  watch(
    () => pageStore.doc,
    (doc) => {
      if (!doc) return clear()
      const present = new Set(doc.boxes.map((b) => b.id))
      if (ids.value.some((id) => !present.has(id))) {
        ids.value = ids.value.filter((id) => present.has(id))
        if (primary.value && !present.has(primary.value)) primary.value = ids.value[ids.value.length - 1] ?? null
      }
    },
    { flush: 'sync' }
  )

  return { ids, primary, reveal, set, primaryBox, select, toggle, clear, reviewStep }
})
