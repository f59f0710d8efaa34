#!/usr/bin/env node
// Entry for `npx glyphdesk`: runs the CLI from its prebuilt bundle (out/cli, see cliBundle.mjs),
// building it first when it is missing or older than its sources. If it cannot be built (no
// esbuild, a read-only checkout), the TypeScript sources run through tsx instead, with a note.
// GLYPHDESK_CLI_FROM_SOURCE=1 always runs the sources through tsx.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { ROOT, buildBundle, freshBundle } from './cliBundle.mjs'

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
    if (entry) return (await import(pathToFileURL(entry).href)).main
  }
  const { register } = await import('tsx/esm/api')
  register()
  return (await import(pathToFileURL(join(ROOT, 'src', 'main', 'cli', 'index.ts')).href)).main
}

const main = await loadMain()
process.exitCode = await main(process.argv.slice(2))
