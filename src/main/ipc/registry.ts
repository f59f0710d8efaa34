// One registry of route handlers, used by both hosts: ipcMain (Electron) and the HTTP server
// (browser mode). Every call is validated on the way in (input schema) and on the way out
// (output schema), and every failure becomes a reply a person can read: bad input → 400 with
// zod's message, a missing thing → 404, a domain error → 422, anything else → 500.
import { z } from 'zod'
import { ROUTES, type InvokeReply, type RouteName, type RouteOutput, type RouteParsedInput } from '../../shared/contract.ts'

export type RouteHandler<N extends RouteName> = (input: RouteParsedInput<N>) => Promise<RouteOutput<N>> | RouteOutput<N>
export type RouteHandlers = { [N in RouteName]: RouteHandler<N> }

/** A route's input broke the contract. */
export class BadInputError extends Error {
  override name = 'BadInputError'
}

/** Error names that mean "the thing you named does not exist". */
const NOT_FOUND = new Set(['ModelNotFoundError', 'JobNotFoundError', 'PageNotFoundError', 'ExperimentNotFoundError'])
/** Errors that carry a message meant for the person (bad file, bad data, bad config). */
const DOMAIN = new Set(['ImageLoadError', 'ProjectFileError', 'ModelFileError', 'GlyphSetError', 'TrainConfigError', 'PageOpenError', 'NoCorrectionsError', 'CorrectionsInputError', 'ShippedModelError', 'UnsupportedInBrowserError', 'LabReportError'])

export function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ')
}

export interface Registry {
  names(): RouteName[]
  has(name: string): name is RouteName
  invoke(name: string, input: unknown): Promise<InvokeReply>
}

export function createRegistry(handlers: RouteHandlers, opts: { onError?: (route: string, err: unknown) => void } = {}): Registry {
  const has = (name: string): name is RouteName => Object.hasOwn(ROUTES, name)
  return {
    names: () => Object.keys(ROUTES) as RouteName[],
    has,
    async invoke(name, input) {
      if (!has(name)) return { ok: false, error: { name: 'UnknownRouteError', message: `no route "${name}"`, status: 404 } }
      const route = ROUTES[name]
      const parsed = route.input.safeParse(input ?? {})
      if (!parsed.success) return { ok: false, error: { name: 'BadInputError', message: `${name}: ${zodMessage(parsed.error)}`, status: 400 } }
      try {
        const handler = handlers[name] as (i: unknown) => Promise<unknown>
        const value = await handler(parsed.data)
        const out = route.output.safeParse(value)
        if (!out.success) {
          opts.onError?.(name, out.error)
          return { ok: false, error: { name: 'ContractError', message: `${name} produced a reply that breaks the contract: ${zodMessage(out.error)}`, status: 500 } }
        }
        return { ok: true, value: out.data }
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err))
        const status = e instanceof BadInputError ? 400 : NOT_FOUND.has(e.name) ? 404 : DOMAIN.has(e.name) ? 422 : 500
        if (status === 500) opts.onError?.(name, e)
        return { ok: false, error: { name: e.name || 'Error', message: e.message, status } }
      }
    }
  }
}
