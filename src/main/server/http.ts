// Browser mode: the renderer and the same route registry over HTTP, for use where Electron cannot
// run (and for the end-to-end tests in real Chromium).
//
//   GET  /, /assets/…         the renderer's files (public code, no secret: no token needed)
//   POST /api/<route>         JSON in, {ok, value} | {ok:false, error} out; the token in x-glyphdesk-token
//   GET  /api/events          server-sent events: {name, payload} per event; the token in the header or ?token=
//   GET  /files/page/<id>?sig=…             a page bitmap (for the canvas)
//   GET  /files/lab/<name>/<file>?sig=…     a chart (SVG) or picture (PNG) an experiment report names
//
// Security (docs/SECURITY.md has the threat model): bound to 127.0.0.1 only; the per-run token goes in a
// header for every route call and is never put in a cookie (cookies are not separated by port, so any
// other page served on 127.0.0.1 would receive it). Bitmaps and charts, which <img> fetches without
// headers, carry a per-resource signature (HMAC of the path under a separate per-run read key) that
// grants reading that one resource and nothing else. The Host header must name this server (DNS
// rebinding); POSTs from another Origin are refused; every response says same-origin for COOP and CORP.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { EventBus } from '../core/events.ts'
import type { LabReports } from '../ipc/labReports.ts'
import type { Registry } from '../ipc/registry.ts'
import type { PageSessions } from '../project/pageSessions.ts'

export const HOST = '127.0.0.1'
const MAX_BODY = 128 * 1024 * 1024

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.map': 'application/json'
}

// A report's SVG opened on its own must not run anything in this origin.
const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

export interface GlyphdeskServer {
  server: Server
  port: number
  token: string
  /** The URL to open: http://127.0.0.1:PORT/?token=… */
  url: string
  /** `pathname` with the signature that lets a GET of it (and only it) through. */
  signedUrl(pathname: string): string
  close(): Promise<void>
}

export interface ServeOptions {
  registry: Registry
  events: EventBus
  pages: PageSessions
  /** The Lab's experiment reports (their charts and pictures are served under /files/lab/). */
  lab?: LabReports
  /** The built renderer (out/renderer). */
  staticDir: string
  port?: number
  token?: string
  /** The key that signs /files/ URLs (default: a new random one; never the token). */
  readKey?: string
}

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a),
    y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The signature that lets a GET of exactly `pathname` through: HMAC-SHA256 under the run's read key. */
export function signResource(readKey: string, pathname: string): string {
  return createHmac('sha256', readKey).update(pathname).digest('base64url').slice(0, 32)
}

// Every answer: no sniffing, no referrer (the token and signatures stay out of other sites' logs), no
// framing, and no other origin may hold a window on us or embed our resources.
const ISOLATION: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {}
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...ISOLATION,
    ...extra
  })
  res.end(body)
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8')

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_BODY)
      throw Object.assign(new Error(`request body over ${MAX_BODY / 1024 / 1024} MB`), { status: 413 })
    chunks.push(c)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export async function startServer(opts: ServeOptions): Promise<GlyphdeskServer> {
  const token = opts.token ?? newToken()
  const readKey = opts.readKey ?? newToken()
  const staticRoot = resolve(opts.staticDir)
  const sse = new Set<ServerResponse>()
  let port = 0

  const unsubscribe = opts.events.subscribe((name, payload) => {
    const frame = `data: ${JSON.stringify({ name, payload })}\n\n`
    for (const res of sse) res.write(frame)
  })
  const heartbeat = setInterval(() => {
    for (const res of sse) res.write(': keep-alive\n\n')
  }, 15_000)
  heartbeat.unref()

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', `http://${HOST}`)
      decodeURIComponent(url.pathname)
    } catch {
      // A malformed request line (`/%ff`) is the client's mistake: 400, nothing logged.
      return send(res, 400, 'bad request: malformed URL\n')
    }
    const host = req.headers.host ?? ''
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`)
      return send(res, 403, 'forbidden: unexpected Host header\n')
    const headerToken = req.headers['x-glyphdesk-token']
    const fromHeader = typeof headerToken === 'string' ? headerToken : undefined
    const isPost = req.method === 'POST'
    const hasToken = sameToken(fromHeader, token)
    // What each kind of request may present: route calls the header; the event stream (EventSource sets no
    // headers) the header or ?token=; files the header or their own signature; the renderer's code nothing.
    const isStatic = !isPost && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/files/')
    const authorised =
      isStatic ||
      hasToken ||
      (!isPost && url.pathname === '/api/events' && sameToken(url.searchParams.get('token'), token)) ||
      (!isPost &&
        url.pathname.startsWith('/files/') &&
        sameToken(url.searchParams.get('sig'), signResource(readKey, url.pathname)))
    if (!authorised)
      return send(
        res,
        403,
        'forbidden: this Glyphdesk server needs the token from the URL it printed when it started\n'
      )

    if (isPost && url.pathname.startsWith('/api/')) {
      const origin = req.headers.origin
      if (origin && origin !== `http://${HOST}:${port}` && origin !== `http://localhost:${port}`)
        return send(res, 403, 'forbidden: cross-origin request\n')
      const route = decodeURIComponent(url.pathname.slice('/api/'.length))
      if (!opts.registry.has(route))
        return json(res, 404, {
          ok: false,
          error: { name: 'UnknownRouteError', message: `no route "${route}"`, status: 404 }
        })
      let input: unknown
      try {
        const body = await readBody(req)
        input = body.trim() === '' ? {} : JSON.parse(body)
      } catch (e) {
        const status = (e as { status?: number }).status ?? 400
        return json(res, status, {
          ok: false,
          error: {
            name: 'BadInputError',
            message: `${route}: the request body is not JSON (${(e as Error).message})`,
            status
          }
        })
      }
      const reply = await opts.registry.invoke(route, input)
      return json(res, reply.ok ? 200 : reply.error.status, reply)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n')

    if (url.pathname === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        ...ISOLATION
      })
      res.write(': connected\n\n')
      sse.add(res)
      req.on('close', () => sse.delete(res))
      return
    }
    const page = /^\/files\/page\/([0-9a-f]{1,64})$/.exec(url.pathname)
    if (page) {
      const session = opts.pages.get(page[1])
      if (!session) return send(res, 404, 'no such page in this run\n')
      const { mime, bytes } = await opts.pages.display(session)
      return send(res, 200, bytes, mime, { 'cache-control': 'private, max-age=3600' })
    }
    const labFile = /^\/files\/lab\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/([A-Za-z0-9][A-Za-z0-9._-]*\.(?:svg|png))$/.exec(
      url.pathname
    )
    if (labFile && opts.lab) {
      // Names checked by the pattern above; LabReports serves only files the report names, inside its folder.
      const found = await opts.lab.file(labFile[1], labFile[2]).catch(() => null)
      if (!found) return send(res, 404, 'no such experiment file\n')
      return send(res, 200, found.bytes, found.mime, {
        'cache-control': 'private, no-cache',
        'content-security-policy': FILE_CSP
      })
    }
    if (url.pathname.startsWith('/files/')) return send(res, 404, 'not found\n')
    // The renderer's files; / is index.html.
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
    const file = normalize(join(staticRoot, rel))
    if (!file.startsWith(staticRoot + sep) || !existsSync(file) || !statSync(file).isFile())
      return send(res, 404, 'not found\n')
    const type = MIME[extname(file)] ?? 'application/octet-stream'
    const headers: Record<string, string> = {
      'content-type': type,
      ...ISOLATION,
      'cache-control': 'no-cache',
      'content-length': String(statSync(file).size)
    }
    if (type.startsWith('text/html')) headers['content-security-policy'] = CSP
    res.writeHead(200, headers)
    if (req.method === 'HEAD') return res.end()
    createReadStream(file).pipe(res)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      console.error('glyphdesk serve: request failed:', err)
      if (!res.headersSent) json(res, 500, { ok: false, error: { name: err.name, message: err.message, status: 500 } })
      else res.end()
    })
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, HOST, () => ok())
  })
  port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    token,
    signedUrl: (pathname: string) => `${pathname}?sig=${signResource(readKey, pathname)}`,
    url: `http://${HOST}:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((ok) => {
        clearInterval(heartbeat)
        unsubscribe()
        for (const res of sse) res.end()
        sse.clear()
        server.closeAllConnections?.()
        server.close(() => ok())
      })
  }
}
