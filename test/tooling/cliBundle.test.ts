// The CLI bundle (bin/cliBundle.mjs, built once by test/globalSetup.ts) carries every worker entry, and the
// modules that start a worker locate it beside the bundle, not beside their TypeScript source (which would
// run the worker through tsx: a second compile of the sources on every start).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error -- bin/cliBundle.mjs is plain JavaScript without type declarations
import { freshBundle } from '../../bin/cliBundle.mjs'

describe('CLI bundle', () => {
  const entry: unknown = freshBundle()
  it('is built and holds the command and its three worker entries', () => {
    expect(typeof entry).toBe('string')
    const files = readdirSync(dirname(String(entry)))
    for (const f of ['index.js', 'batchWorker.js', 'pageWorker.js', 'trainWorker.js']) expect(files).toContain(f)
  })

  it('starts its workers from the bundle: the modules that locate a worker keep the bundle URL', () => {
    const dir = dirname(String(entry))
    const js = readdirSync(dir).filter((f) => f.endsWith('.js'))
    // Each worker-starting module names its dev bootstrap (used only from the sources) beside the bundled file.
    for (const [bootstrap, source] of [
      ['pageWorker.dev.mjs', 'src/main/vision/readPage.ts'],
      ['batchWorker.dev.mjs', 'src/main/cli/batch.ts'],
      ['trainWorker.dev.mjs', 'src/main/jobs/runner.ts']
    ]) {
      const holders = js.filter((f) => readFileSync(join(dir, f), 'utf8').includes(bootstrap))
      expect(holders.length, bootstrap).toBeGreaterThan(0)
      // Rewritten to its source file's URL, `import.meta.url` would end in .ts and pick the tsx bootstrap.
      const rewritten = new RegExp(`new URL\\("(\\.\\./)+${source.replace(/[./]/g, (c) => `\\${c}`)}"`)
      for (const f of holders) expect(readFileSync(join(dir, f), 'utf8')).not.toMatch(rewritten)
    }
  })

  it("bundles zod's English messages and none of its other locales", () => {
    const dir = dirname(String(entry))
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
    const zod = sources.filter((s) => s.includes('node_modules/zod/v4/core/schemas.js'))
    expect(zod).toHaveLength(1)
    const locales = [...zod[0].matchAll(/^\/\/ node_modules\/zod\/v4\/locales\/([\w-]+)\.js$/gm)].map((m) => m[1])
    expect(locales).toEqual(['en'])
  })
})
