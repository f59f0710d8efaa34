// One registry of route handlers, used by both hosts: ipcMain (Electron) and the HTTP server
// (browser mode). Every call is validated on the way in (input schema) and on the way out
// (output schema), and every failure becomes a reply a person can read: input that breaks the
// contract → 400 with zod's message; a thrown error → the status of its category (core/errors.ts:
// bad input 422, not found 404, conflict 409, anything else 500).
import { z } from 'zod'
import { errorCategory, statusOfCategory } from '../core/errors.ts'
import {
  ROUTES,
  type InvokeReply,
  type RouteName,
  type RouteOutput,
  type RouteParsedInput
} from '../../shared/contract.ts'

export type RouteHandler<N extends RouteName> = (input: RouteParsedInput<N>) => Promise<RouteOutput<N>> | RouteOutput<N>
export type RouteHandlers = { [N in RouteName]: RouteHandler<N> }

export function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ')
}

export interface Registry {
  names(): RouteName[]
  has(name: string): name is RouteName
  invoke(name: string, input: unknown): Promise<InvokeReply>
}

/**
 * The contract's input schemas seen per route: ROUTES is checked against this mapped type route by route,
 * and indexing it with a generic route N gives N's own parse result, matching RouteHandlers[N].
 */
type InputParsers = {
  [N in RouteName]: { input: { safeParse(value: unknown): z.ZodSafeParseResult<RouteParsedInput<N>> } }
}
const INPUTS: InputParsers = ROUTES

export function createRegistry(
  handlers: RouteHandlers,
  opts: { onError?: (route: string, err: unknown) => void } = {}
): Registry {
  const has = (name: string): name is RouteName => Object.hasOwn(ROUTES, name)
  // Generic in the route, so the parsed input and the handler are known to belong to the same route
  // (indexing both with a plain RouteName would give two unrelated unions).
  async function call<N extends RouteName>(name: N, input: unknown): Promise<InvokeReply> {
    const route = ROUTES[name]
    const parsed = INPUTS[name].input.safeParse(input ?? {})
    if (!parsed.success)
      return {
        ok: false,
        error: { name: 'BadInputError', message: `${name}: ${zodMessage(parsed.error)}`, status: 400 }
      }
    try {
      const handler: RouteHandler<N> = handlers[name]
      const value = await handler(parsed.data)
      const out = route.output.safeParse(value)
      if (!out.success) {
        opts.onError?.(name, out.error)
        return {
          ok: false,
          error: {
            name: 'ContractError',
            message: `${name} produced a reply that breaks the contract: ${zodMessage(out.error)}`,
            status: 500
          }
        }
      }
      return { ok: true, value: out.data }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      const status = statusOfCategory(errorCategory(e))
      if (status === 500) opts.onError?.(name, e)
      return { ok: false, error: { name: e.name || 'Error', message: e.message, status } }
    }
  }
  return {
    names: () => Object.keys(ROUTES).filter(has),
    has,
    async invoke(name, input) {
      if (!has(name))
        return { ok: false, error: { name: 'UnknownRouteError', message: `no route "${name}"`, status: 404 } }
      return call(name, input)
    }
  }
}
