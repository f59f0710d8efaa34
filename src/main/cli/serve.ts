// `glyphdesk serve`: the app in a browser. Serves the built renderer and the same routes as the
// desktop app on 127.0.0.1 with a per-run token, and prints the URL to open.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { defaultUserDataDir } from '../project/userData.ts'
import { buildRenderer, rendererBuildIsStale, startBrowserApp } from '../server/browserMode.ts'
import { numberOption, parseCommand } from './args.ts'

export const SERVE_USAGE =
  'usage: glyphdesk serve [--port N] [--data-dir DIR] [--allow DIR]… [--no-build]\n  --allow DIR  a folder (besides the data folder) whose files the app may open and save; repeatable'

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      allow: { type: 'string', multiple: true },
      'no-build': { type: 'boolean' }
    },
    SERVE_USAGE
  )
  const port = numberOption(values, 'port', 0, { min: 0, max: 65535, integer: true })
  const userDataDir = resolve(values['data-dir'] ?? defaultUserDataDir())
  mkdirSync(userDataDir, { recursive: true })
  if (!values['no-build'] && rendererBuildIsStale())
    buildRenderer((s) => process.stderr.write(`glyphdesk serve: ${s}\n`))
  const app = await startBrowserApp({
    userDataDir,
    port,
    allow: (values.allow ?? []).map((d) => resolve(d)),
    preloadModel: true
  })
  process.stdout.write(
    `Glyphdesk is running in browser mode. Open this URL in a browser (it carries this run's access token):\n\n  ${app.server.url}\n\n` +
      `Listening on 127.0.0.1:${app.server.port} only; user data in ${userDataDir}. Ctrl-C stops.\n`
  )
  return new Promise<number>((done) => {
    const stop = () => {
      process.stderr.write('glyphdesk serve: stopping\n')
      void app.close().then(() => done(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
