// The CLI bundle (bin/cliBundle.mjs, built once by test/globalSetup.ts) carries every worker entry, and the
// modules that start a worker locate it beside the bundle, not beside their TypeScript source (which would
// run the worker through tsx: a second compile of the sources on every start). The command is one script that
// runs with a V8 code cache per command, written once and used after.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
// @ts-expect-error -- bin/cliBundle.mjs is plain JavaScript without type declarations
import { freshBundle } from '../../bin/cliBundle.mjs'

const ROOT = resolve(import.meta.dirname, '..', '..')

describe('CLI bundle', () => {
  const entry: unknown = freshBundle()
  it('is built and holds the command and its three worker entries', () => {
    expect(typeof entry).toBe('string')
    const files = readdirSync(dirname(String(entry)))
    for (const f of ['index.cjs', 'batchWorker.js', 'pageWorker.js', 'trainWorker.js']) expect(files).toContain(f)
  })

  it('starts its workers from the bundle: the modules that locate a worker keep the bundle URL', () => {
    const dir = dirname(String(entry))
    const js = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
    // Each worker-starting module names its dev bootstrap (used only from the sources) beside the bundled file.
    for (const [bootstrap, source] of [
      ['pageWorker.dev.mjs', 'src/main/vision/readPage.ts'],
      ['batchWorker.dev.mjs', 'src/main/cli/batch.ts'],
      ['trainWorker.dev.mjs', 'src/main/jobs/runner.ts']
    ]) {
      const holders = js.filter((f) => readFileSync(join(dir, f), 'utf8').includes(bootstrap))
      expect(holders.length, bootstrap).toBeGreaterThan(0)
      // The command's script holds the batch pool and the page worker (for `serve`).
      if (!source.includes('jobs/')) expect(holders, bootstrap).toContain('index.cjs')
      // Rewritten to its source file's URL, `import.meta.url` would end in .ts and pick the tsx bootstrap.
      const rewritten = new RegExp(`new URL\\("(\\.\\./)+${source.replace(/[./]/g, (c) => `\\${c}`)}"`)
      for (const f of holders) expect(readFileSync(join(dir, f), 'utf8')).not.toMatch(rewritten)
    }
  })

  it("bundles zod's English messages and none of its other locales", () => {
    const dir = dirname(String(entry))
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
    // Once in the command's script, once in the workers' shared chunks.
    const zod = sources.filter((s) => s.includes('node_modules/zod/v4/core/schemas.js'))
    expect(zod).toHaveLength(2)
    for (const z of zod) {
      const locales = [...z.matchAll(/^\/\/ node_modules\/zod\/v4\/locales\/([\w-]+)\.js$/gm)].map((m) => m[1])
      expect(locales).toEqual(['en'])
    }
  })

  it('runs the command as a script with no import() (a vm.Script cannot import() on Node 20)', () => {
    const script = readFileSync(String(entry), 'utf8')
    expect(script).toMatch(/^var __glyphdeskBundleUrl = require\("node:url"\)/)
    expect(script).not.toMatch(/\bimport\(\s*["'`]/)
    expect(script).toContain('batchWorker.dev.mjs')
  })

  it('writes a code cache once per command, uses it after, and writes it again when V8 rejects it', () => {
    // Each load in a fresh process: within one, V8 reuses the script it compiled and never reads the file.
    const probe = (save: boolean | 'hook'): string =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { loadBundle } from ${JSON.stringify(pathToFileURL(join(ROOT, 'bin', 'cliBundle.mjs')).href)}
           const r = loadBundle(${JSON.stringify(String(entry))}, 'test-probe')
           if (${JSON.stringify(save)} === 'hook') globalThis[Symbol.for('glyphdesk.beforeV8FlagsChange')]()
           else if (${save}) r.saveCodeCache()
           process.stdout.write(r.codeCache + ' ' + typeof r.main)`
        ],
        { encoding: 'utf8' }
      )
    const file = join(dirname(String(entry)), 'code-cache-test-probe.bin')
    rmSync(file, { force: true })
    try {
      expect(probe(true)).toBe('none function')
      expect(statSync(file).size).toBeGreaterThan(10_000)
      const written = readFileSync(file)
      expect(probe(true)).toBe('used function')
      expect(readFileSync(file).equals(written)).toBe(true) // a cache in use is not written again
      writeFileSync(file, Buffer.alloc(written.length, 7))
      expect(probe(true)).toBe('rejected function')
      expect(probe(false)).toBe('used function')
      // A command about to change a V8 flag has the cache written first (src/main/core/v8Flags.ts).
      rmSync(file)
      expect(probe('hook')).toBe('none function')
      expect(probe(false)).toBe('used function')
    } finally {
      rmSync(file, { force: true })
    }
  })
})
