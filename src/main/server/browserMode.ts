// Browser mode in one call: the app context, the route registry and the HTTP server, with page
// bitmaps served over HTTP. Used by `glyphdesk serve` and by the server and end-to-end tests.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createAppContext, type AppContext } from '../ipc/context.ts'
import { cleanStaleTemporaries } from '../core/atomicDirs.ts'
import { createAppRegistry } from '../ipc/index.ts'
import { newToken, signResource, startServer, type GlyphdeskServer } from './http.ts'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const RENDERER_OUT = join(PROJECT_ROOT, 'out', 'renderer')

function newestMtime(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return t
}

/** Whether out/renderer is missing or older than the renderer's (or the shared contract's) sources. */
export function rendererBuildIsStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html')
  if (!existsSync(index)) return true
  const built = statSync(index).mtimeMs
  return [join(PROJECT_ROOT, 'src', 'renderer'), join(PROJECT_ROOT, 'src', 'shared')].some(
    (d) => existsSync(d) && newestMtime(d) > built
  )
}

/** Whether any of the three builds (main, preload, renderer) is older than its sources. */
export function buildIsStale(): boolean {
  const outputs = [
    join(PROJECT_ROOT, 'out', 'main', 'index.js'),
    join(PROJECT_ROOT, 'out', 'preload', 'index.cjs'),
    join(RENDERER_OUT, 'index.html')
  ]
  if (outputs.some((f) => !existsSync(f))) return true
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs))
  return ['main', 'preload', 'renderer', 'shared'].some((d) => newestMtime(join(PROJECT_ROOT, 'src', d)) > built)
}

/** Runs `electron-vite build` (main, preload and renderer); throws with its output when it fails. */
export function buildRenderer(log: (s: string) => void = () => {}): void {
  log('building the renderer (electron-vite build)…')
  const bin = join(PROJECT_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const r = spawnSync(process.execPath, [bin, 'build'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: 'pipe' })
  if (r.status !== 0) throw new Error(`electron-vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`)
}

export interface BrowserApp {
  ctx: AppContext
  server: GlyphdeskServer
  close(): Promise<void>
}

export async function startBrowserApp(opts: {
  userDataDir: string
  port?: number
  staticDir?: string
  token?: string
  labDir?: string
  allow?: string[]
  /** Load the default model in the background once serving (glyphdesk serve; tests leave it off). */
  preloadModel?: boolean
}): Promise<BrowserApp> {
  const token = opts.token ?? newToken()
  const readKey = newToken()
  const signed = (pathname: string) => `${pathname}?sig=${signResource(readKey, pathname)}`
  // Temporaries of a run that was killed mid-save (autosave, settings, models) go before anything reads them.
  await cleanStaleTemporaries(opts.userDataDir)
  const ctx = createAppContext({
    mode: 'browser',
    userDataDir: opts.userDataDir,
    // Signed per resource, never the token: an <img> URL grants reading that one picture.
    imageUrl: async (session) => signed(`/files/page/${session.pageId}`),
    labDir: opts.labDir,
    allow: opts.allow,
    labFileUrl: async (name, file) => signed(`/files/lab/${encodeURIComponent(name)}/${encodeURIComponent(file)}`)
  })
  const registry = createAppRegistry(ctx)
  const server = await startServer({
    registry,
    events: ctx.events,
    pages: ctx.pages,
    lab: ctx.lab,
    staticDir: opts.staticDir ?? RENDERER_OUT,
    port: opts.port,
    token,
    readKey
  })
  if (opts.preloadModel) ctx.models.preloadDefault()
  return {
    ctx,
    server,
    close: async () => {
      await ctx.jobs.dispose()
      await server.close()
    }
  }
}
