#!/usr/bin/env node
// Entry for `npx glyphdesk`: runs the CLI from its prebuilt bundle (out/cli, see cliBundle.mjs),
// building it first when it is missing or older than its sources. If it cannot be built (no
// esbuild, a read-only checkout), the TypeScript sources run through tsx instead, with a note.
// GLYPHDESK_CLI_FROM_SOURCE=1 always runs the sources through tsx. The bundle runs with the V8 code
// cache of its command, written after the command's first successful run (cliBundle.mjs#loadBundle).
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { ROOT, buildBundle, freshBundle, loadBundle } from './cliBundle.mjs'

async function loadMain() {
  if (process.env['GLYPHDESK_CLI_FROM_SOURCE'] !== '1') {
    let entry = freshBundle()
    if (!entry) {
      try {
        entry = await buildBundle({ log: (s) => process.stderr.write(`glyphdesk: ${s}\n`) })
      } catch (e) {
        process.stderr.write(
          `glyphdesk: could not build the CLI bundle (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); running the TypeScript sources through tsx, which starts slower\n`
        )
      }
    }
    // A batch (`--out-dir`) reads its pages in workers and compiles other code than a one-page run: its own cache.
    const argv = process.argv.slice(2)
    if (entry) return loadBundle(entry, argv.includes('--out-dir') ? `${argv[0]}-batch` : argv[0])
  }
  const { register } = await import('tsx/esm/api')
  register()
  const { main } = await import(pathToFileURL(join(ROOT, 'src', 'main', 'cli', 'index.ts')).href)
  return { main, saveCodeCache: () => {} }
}

const { main, saveCodeCache } = await loadMain()
process.exitCode = await main(process.argv.slice(2))
if (process.exitCode === 0) saveCodeCache()
