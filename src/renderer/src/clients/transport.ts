// The renderer's two transports for the contract's two channels. In Electron the preload bridge
// (window.glyphdesk) carries them over IPC; in browser mode they are HTTP POST /api/<route> with
// the run's token and server-sent events. The clients above them are identical.
import type { InvokeReply, Transport } from '@shared/contract.ts'
import { EventFrameSchema, parseInvokeReply } from '@shared/envelopes.ts'

export interface Bridge {
  routes: readonly string[]
  invoke(route: string, input: unknown): Promise<InvokeReply>
  subscribe(listener: (name: string, payload: unknown) => void): () => void
}

declare global {
  interface Window {
    glyphdesk?: Bridge
  }
}

export function bridgeTransport(bridge: Bridge): Transport {
  return { invoke: (route, input) => bridge.invoke(route, input), subscribe: (l) => bridge.subscribe(l) }
}

/** The token from ?token= (then kept for this tab and dropped from the address bar). */
export function tokenFromLocation(): string {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem('glyphdesk-token', fromUrl)
    return fromUrl
  }
  return sessionStorage.getItem('glyphdesk-token') ?? ''
}

export function httpTransport(token: string, base = ''): Transport {
  return {
    async invoke(route, input) {
      let res: Response
      try {
        res = await fetch(`${base}/api/${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-glyphdesk-token': token },
          body: JSON.stringify(input ?? {})
        })
      } catch (e) {
        return {
          ok: false,
          error: {
            name: 'NetworkError',
            message: `the Glyphdesk server does not answer (${e instanceof Error ? e.message : String(e)}); is glyphdesk serve still running?`,
            status: 0
          }
        }
      }
      if (res.status === 403)
        return {
          ok: false,
          error: {
            name: 'ForbiddenError',
            message: 'the server refused the token: open the URL glyphdesk serve printed',
            status: 403
          }
        }
      let body: unknown
      try {
        body = await res.json()
      } catch {
        body = undefined
      }
      return (
        parseInvokeReply(body) ?? {
          ok: false,
          error: { name: 'NetworkError', message: `unexpected reply (HTTP ${res.status})`, status: res.status }
        }
      )
    },
    subscribe(listener) {
      const source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`)
      source.onmessage = (e) => {
        try {
          const m = EventFrameSchema.safeParse(typeof e.data === 'string' ? JSON.parse(e.data) : undefined)
          if (m.success) listener(m.data.name, m.data.payload)
        } catch {
          /* a malformed frame is dropped; the client validates what it keeps */
        }
      }
      return () => source.close()
    }
  }
}

export function pickTransport(): { transport: Transport; mode: 'electron' | 'browser' } {
  if (window.glyphdesk) return { transport: bridgeTransport(window.glyphdesk), mode: 'electron' }
  return { transport: httpTransport(tokenFromLocation()), mode: 'browser' }
}
