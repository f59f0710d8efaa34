// One HTTP request to a running browser-mode app, as a test sends it: the run's token unless told otherwise
// (null sends none), JSON bodies, and a Host/Origin of the test's choosing for the rebinding and CSRF checks.
import { request } from 'node:http'
import type { BrowserApp } from '../../../src/main/server/browserMode.ts'

export interface CallOptions {
  method?: string
  token?: string | null
  body?: string
  host?: string
  origin?: string
}

export function callBrowserApp(
  app: BrowserApp,
  path: string,
  opts: CallOptions = {}
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = { host: opts.host ?? `127.0.0.1:${app.server.port}` }
    if (opts.token !== null) headers['x-glyphdesk-token'] = opts.token ?? app.server.token
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    if (opts.origin) headers['origin'] = opts.origin
    const req = request(
      { host: '127.0.0.1', port: app.server.port, path, method: opts.method ?? 'GET', headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }))
      }
    )
    req.on('error', fail)
    req.end(opts.body)
  })
}
