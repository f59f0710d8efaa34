// The `glyphdesk` command's prebuilt bundle: where it lives, whether it is still the build of the
// sources as they are, and how to (re)build it with esbuild. `npm run build` builds it; the bin
// builds it itself on first use (npm lifecycle scripts are off, see .npmrc) and again whenever a
// source file it was built from changed, so the CLI never runs stale code.
//
// Layout: out/cli/<hash>/ holds one build (index.cjs, the command; the worker entries and their shared
// chunks; build.json, the list of its input files with size, mtime and SHA-256; and the command's V8 code
// caches, below); out/cli/current.json names the build in use. A build is made in a temporary directory
// beside the final one and renamed into place, so two processes building at once both end with a complete
// build and never a half-written one.
//
// The command is one CommonJS script, run through vm.Script with a V8 code cache (`loadBundle`): the first
// successful run of each command writes code-cache-<command>.bin beside it, made after the command ran, so it
// holds the bytecode of every function that run compiled; later runs start from it instead of parsing and
// compiling them again. Node 20 has no code cache for ES modules, hence a script; the workers stay ES modules
// (a worker thread loads them by file). V8 checks a cache against the source and its own version and flags, and
// a cache it rejects is written again.
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  readdirSync,
  unlinkSync
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const CLI_OUT = join(ROOT, 'out', 'cli')
const CURRENT = join(CLI_OUT, 'current.json')
/** Bump when the bundle layout or the build options change: older builds are then rebuilt. */
const FORMAT = 5

/** The command's entry: built as one CommonJS script, index.cjs. */
const COMMAND_ENTRY = 'src/main/cli/index.ts'
/** The bundle URL's name inside the command's script (its own file's URL; `import.meta` is ES-module only). */
const BUNDLE_URL = '__glyphdeskBundleUrl'

/** Worker entry points, by output name: ES modules with shared chunks, loaded by worker threads by file. */
const WORKER_ENTRIES = {
  trainWorker: 'src/main/jobs/trainWorker.ts',
  batchWorker: 'src/main/cli/batchWorker.ts',
  // The app's page worker (vision/readPage.ts), which browser mode (`glyphdesk serve`) runs from this bundle.
  pageWorker: 'src/main/vision/pageWorker.ts'
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

/**
 * The entry file of the current build when every input file it was built from is unchanged;
 * null when there is no build or it is stale. A file whose size and mtime match is taken as
 * unchanged; otherwise its content is hashed (a checkout touches mtimes without changing content).
 */
export function freshBundle() {
  const current = readJson(CURRENT)
  if (!current || current.format !== FORMAT || typeof current.dir !== 'string') return null
  const dir = join(CLI_OUT, current.dir)
  const manifest = readJson(join(dir, 'build.json'))
  if (!manifest || manifest.format !== FORMAT || manifest.node !== process.versions.node.split('.')[0]) return null
  for (const [rel, rec] of Object.entries(manifest.inputs)) {
    const file = join(ROOT, rel)
    let st
    try {
      st = statSync(file)
    } catch {
      return null
    }
    if (st.size === rec.size && st.mtimeMs === rec.mtimeMs) continue
    if (st.size !== rec.size || sha256(file) !== rec.sha256) return null
  }
  const entry = join(dir, 'index.cjs')
  return existsSync(entry) ? entry : null
}

/** The code cache file of `command` beside the command's script (one per command: each compiles other code). */
function codeCacheFile(entry, command) {
  const key = typeof command === 'string' && /^[a-z][a-z-]{0,23}$/.test(command) ? command : 'other'
  return join(dirname(entry), `code-cache-${key}.bin`)
}

/**
 * Runs the command's script (index.cjs) with the code cache of `command` when there is one, and returns its
 * `main`, how the cache went ('used', 'rejected' by V8, or 'none') and `saveCodeCache`, which writes the cache
 * from what this process compiled: a no-op when the cache was used or is already written, so it is written once per
 * command and whenever V8 rejected it. The write is atomic and its failure (a read-only install) is ignored. It also
 * runs before the command changes a V8 flag (src/main/core/v8Flags.ts).
 */
export function loadBundle(entry, command) {
  const file = codeCacheFile(entry, command)
  let cachedData
  try {
    cachedData = readFileSync(file)
  } catch {
    cachedData = undefined
  }
  const source = readFileSync(entry, 'utf8')
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: entry,
    cachedData
  })
  const codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used'
  const module = { exports: {} }
  script.runInThisContext().call(module.exports, module.exports, createRequire(entry), module, entry, dirname(entry))
  if (typeof module.exports.main !== 'function') throw new Error(`${entry} does not export main`)
  let saved = codeCache === 'used'
  const saveCodeCache = () => {
    if (saved) return
    saved = true
    const tmp = `${file}.${process.pid}.tmp`
    try {
      writeFileSync(tmp, script.createCachedData())
      renameSync(tmp, file)
    } catch {
      try {
        unlinkSync(tmp)
      } catch {
        // nothing was written
      }
    }
  }
  // A command that changes V8's flags (src/main/core/v8Flags.ts) has the cache written first: one made under other
  // flags would be rejected by the next ordinary run.
  globalThis[Symbol.for('glyphdesk.beforeV8FlagsChange')] = saveCodeCache
  return { main: module.exports.main, codeCache, saveCodeCache }
}

/**
 * Modules that find resources/, package.json or opencv's wasm relative to their own source file
 * keep pointing at that source file: import.meta.url becomes the source file's URL computed from
 * the bundle's own location (so the checkout can move). The jobs keep the bundle's URL, because
 * they locate their worker entry next to the bundle (jobs/runner.ts), and so do the batch pool and the page worker.
 * `bundleUrl` is how the output names its own URL: `import.meta.url` in an ES module, BUNDLE_URL in the script.
 */
function keepSourceLocation(outDirDepthFromRoot, bundleUrl) {
  const up = '../'.repeat(outDirDepthFromRoot)
  return {
    name: 'glyphdesk-keep-source-location',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/](main|shared)[\\/].*\.ts$/ }, async (args) => {
        const code = readFileSync(args.path, 'utf8')
        const rel = relative(ROOT, args.path).split(sep).join('/')
        const keep =
          rel.startsWith('src/main/jobs/') || rel === 'src/main/cli/batch.ts' || rel === 'src/main/vision/readPage.ts'
        if (!code.includes('import.meta.url')) return { contents: code, loader: 'ts' }
        const url = keep ? bundleUrl : `new URL(${JSON.stringify(up + rel)}, ${bundleUrl}).href`
        return { contents: code.replaceAll('import.meta.url', url), loader: 'ts' }
      })
    }
  }
}

/**
 * zod's message translations other than English left out of the bundle. zod re-exports every locale as the
 * `locales` namespace (zod/v4/locales/index.js, ~370 KB of the 755 KB zod chunk), and esbuild keeps a whole
 * namespace once `z` is used as an object; Glyphdesk only ever speaks English, which zod's schemas import
 * directly (classic/schemas.js). `z.locales.en` stays. Saves parsing ~370 KB on every command that loads zod.
 */
function zodEnglishOnly() {
  return {
    name: 'glyphdesk-zod-english-only',
    setup(build) {
      build.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined
        return { path: join(args.resolveDir, args.path), namespace: 'zod-english-only' }
      })
      build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
        contents: 'export { default as en } from "./en.js";\n',
        resolveDir: dirname(args.path),
        loader: 'js'
      }))
    }
  }
}

/** Builds the CLI bundle and makes it current; returns the entry file. */
export async function buildBundle({ log = () => {} } = {}) {
  const { build } = await import('esbuild')
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  // Native and large packages stay in node_modules (loaded only by the commands that need them);
  // small pure-JS ones (zod) are bundled so start-up reads one file instead of hundreds.
  const external = Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'zod')
  mkdirSync(CLI_OUT, { recursive: true })
  const tmp = join(CLI_OUT, `.tmp-${process.pid}-${Date.now().toString(36)}`)
  const started = Date.now()
  try {
    const depth = relative(ROOT, tmp).split(sep).length
    const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', external, metafile: true }
    const workers = await build({
      ...common,
      entryPoints: Object.fromEntries(Object.entries(WORKER_ENTRIES).map(([k, v]) => [k, join(ROOT, v)])),
      outdir: tmp,
      splitting: true,
      format: 'esm',
      logLevel: 'silent',
      // ESM output has no require(); a few bundled CommonJS helpers may ask for one.
      banner: {
        js: "import { createRequire as __glyphdeskRequire } from 'node:module'; const require = __glyphdeskRequire(import.meta.url);"
      },
      plugins: [keepSourceLocation(depth, 'import.meta.url'), zodEnglishOnly()]
    })
    const command = await build({
      ...common,
      entryPoints: [join(ROOT, COMMAND_ENTRY)],
      outfile: join(tmp, 'index.cjs'),
      format: 'cjs',
      logLevel: 'error',
      banner: { js: `var ${BUNDLE_URL} = require("node:url").pathToFileURL(__filename).href;` },
      plugins: [keepSourceLocation(depth, BUNDLE_URL), zodEnglishOnly()]
    })
    // A script run through vm.Script cannot import() on Node 20 (no dynamic-import callback without a flag).
    for (const [out, meta] of Object.entries(command.metafile.outputs))
      for (const i of meta.imports)
        if (i.kind === 'dynamic-import')
          throw new Error(`${out}: import("${i.path}") cannot run in the command's script; load it with require`)
    const inputs = {}
    const files = new Set([
      ...Object.keys(workers.metafile.inputs),
      ...Object.keys(command.metafile.inputs),
      'package.json',
      'bin/cliBundle.mjs'
    ])
    for (const rel of files) {
      if (rel.startsWith('node_modules/') || rel.includes('node_modules/')) continue
      const file = join(ROOT, rel)
      if (!existsSync(file)) continue
      const st = statSync(file)
      inputs[rel.split(sep).join('/')] = { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(file) }
    }
    const hash = createHash('sha256')
      .update(
        JSON.stringify({
          FORMAT,
          node: process.versions.node.split('.')[0],
          inputs: Object.entries(inputs)
            .map(([k, v]) => [k, v.sha256])
            .sort()
        })
      )
      .digest('hex')
      .slice(0, 16)
    writeFileSync(
      join(tmp, 'build.json'),
      JSON.stringify(
        { format: FORMAT, node: process.versions.node.split('.')[0], builtAt: new Date().toISOString(), inputs },
        null,
        1
      )
    )
    const final = join(CLI_OUT, hash)
    if (existsSync(final))
      rmSync(tmp, { recursive: true, force: true }) // another process built the same sources
    else {
      try {
        renameSync(tmp, final)
      } catch (e) {
        if (!existsSync(join(final, 'build.json'))) throw e
        rmSync(tmp, { recursive: true, force: true })
      }
    }
    const pointer = `${CURRENT}.${process.pid}.tmp`
    writeFileSync(pointer, JSON.stringify({ format: FORMAT, dir: hash }))
    renameSync(pointer, CURRENT)
    pruneOldBuilds(hash)
    log(`built the CLI bundle out/cli/${hash} in ${Date.now() - started} ms`)
    return join(final, 'index.cjs')
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
}

/** Keeps the current build and the two newest others (a process may still be running one). */
function pruneOldBuilds(keep) {
  const entries = readdirSync(CLI_OUT, { withFileTypes: true }).filter((d) => d.isDirectory())
  // Temporary directories of builds that died (a build takes seconds; an hour-old one is abandoned).
  for (const d of entries) {
    if (d.name.startsWith('.tmp-') && Date.now() - statSync(join(CLI_OUT, d.name)).mtimeMs > 3600_000)
      rmSync(join(CLI_OUT, d.name), { recursive: true, force: true })
  }
  const dirs = entries
    .filter((d) => !d.name.startsWith('.') && d.name !== keep)
    .map((d) => ({ name: d.name, t: statSync(join(CLI_OUT, d.name)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
  for (const d of dirs.slice(2)) rmSync(join(CLI_OUT, d.name), { recursive: true, force: true })
}
