// A fake client for renderer tests: answers routes from a table, records calls, emits events.
import {
  createClient,
  type GlyphdeskClient,
  type InvokeReply,
  type RouteName,
  type RouteParsedInput
} from '../../src/shared/contract.ts'
import type { PageDoc } from '../../src/shared/pagedoc.ts'

/** Fake answers, one per route, each typed by the route's input in the contract. */
export type FakeHandlers = { [N in RouteName]?: (input: RouteParsedInput<N>) => unknown }
/** A recorded call: the route and its input as the renderer sent it. */
export interface FakeCall {
  route: string
  input: Record<string, unknown>
}

export function fakeClient(handlers: FakeHandlers) {
  const calls: FakeCall[] = []
  const listeners = new Set<(name: string, payload: unknown) => void>()
  const client: GlyphdeskClient = createClient({
    async invoke(route, input): Promise<InvokeReply> {
      calls.push({ route, input: typeof input === 'object' && input !== null ? { ...input } : {} })
      // The route name came from the contract's client, so the handler takes that route's input.
      const h = handlers[route as RouteName] as ((input: unknown) => unknown) | undefined
      if (!h) return { ok: false, error: { name: 'UnknownRouteError', message: `no fake for ${route}`, status: 404 } }
      try {
        return { ok: true, value: await h(input) }
      } catch (e) {
        return { ok: false, error: { name: (e as Error).name, message: (e as Error).message, status: 422 } }
      }
    },
    subscribe(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    }
  })
  return { client, calls, emit: (name: string, payload: unknown) => listeners.forEach((l) => l(name, payload)) }
}

/** A small page: two lines, "AB C" and "DE", with confidences 0.9, 0.2, 0.6, 0.4, 0.95. */
export function smallDoc(): PageDoc {
  const box = (id: string, x: number, y: number, line: number, word: number, label: string, confidence: number) => ({
    id,
    x,
    y,
    w: 20,
    h: 30,
    line,
    word,
    label,
    confidence,
    top3: [
      { label, p: confidence },
      { label: 'Z', p: 0.01 },
      { label: 'Y', p: 0.01 }
    ],
    source: 'detector' as const
  })
  return {
    version: 1,
    image: { path: '/pages/small.png', width: 400, height: 200 },
    model: { name: 'mlp-best' },
    boxes: [
      box('b1', 10, 10, 0, 0, 'A', 0.9),
      box('b2', 40, 10, 0, 0, 'B', 0.2),
      box('b3', 100, 10, 0, 1, 'C', 0.6),
      box('b4', 10, 60, 1, 0, 'D', 0.4),
      box('b5', 40, 60, 1, 0, 'E', 0.95)
    ],
    lines: [
      { index: 0, x: 10, y: 10, w: 110, h: 30 },
      { index: 1, x: 10, y: 60, w: 50, h: 30 }
    ]
  }
}

export const GLYPH = Buffer.alloc(1024, 255).toString('base64')
