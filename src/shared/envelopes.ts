// The envelopes every message travels in between the processes, as zod schemas: an invoke request
// (preload → main), its reply (main → preload, or the HTTP body in browser mode) and an event frame
// (main → renderer). Each side parses what it receives instead of trusting its type; the route's own
// input and output schemas (contract.ts) then validate what is inside.
import { z } from 'zod'
import { ROUTES, type InvokeReply, type RouteName } from './contract.ts'

/** Whether `route` names a route of the contract (an own key of ROUTES). */
export function isRouteName(route: string): route is RouteName {
  return Object.hasOwn(ROUTES, route)
}

/** What the preload sends over the invoke channel. */
export const InvokeMessageSchema = z.object({ route: z.string(), input: z.unknown() })

const InvokeReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ name: z.string(), message: z.string(), status: z.number() }) })
])

/** The reply to an invoke, or null when `raw` is not one (the caller reports it as a broken reply). */
export function parseInvokeReply(raw: unknown): InvokeReply | null {
  const r = InvokeReplySchema.safeParse(raw)
  if (!r.success) return null
  // Rebuilt rather than returned: zod types an `unknown` field as optional, InvokeReply has it always.
  return r.data.ok ? { ok: true, value: r.data.value } : r.data
}

/** One event as main sends it; the payload is validated against EVENTS[name] by the client. */
export const EventFrameSchema = z.object({ name: z.string(), payload: z.unknown() })
