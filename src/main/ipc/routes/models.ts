// models.* routes: the model picker's list and cards, and the default model.
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'

export function createModelRoutes(
  d: Pick<AppContext, 'models'>
): Pick<RouteHandlers, 'models.list' | 'models.card' | 'models.setDefault' | 'models.remove'> {
  return {
    'models.list': () => d.models.list(),
    'models.card': ({ name }) => ({ name, card: d.models.card(name) }),
    'models.remove': async ({ name }) => {
      await d.models.remove(name)
      return { ok: true as const }
    },
    'models.setDefault': async ({ name }) => {
      await d.models.setDefault(name)
      return { ok: true as const }
    }
  }
}
