// The `glyphdesk` command's prebuilt bundle: where it lives, whether it is still the build of the
// sources as they are, and how to (re)build it with esbuild. `npm run build` builds it; the bin
// builds it itself on first use (npm lifecycle scripts are off, see .npmrc) and again whenever a
// source file it was built from changed, so the CLI never runs stale code.
//
// Layout: out/cli/<hash>/ holds one build (index.js, the worker entries, shared chunks and
// build.json, the list of its input files with size, mtime and SHA-256); out/cli/current.json names
// the build in use. A build is made in a temporary directory beside the final one and renamed into
// place, so two processes building at once both end with a complete build and never a half-written one.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const CLI_OUT = join(ROOT, 'out', 'cli')
const CURRENT = join(CLI_OUT, 'current.json')
/** Bump when the bundle layout or the build options change: older builds are then rebuilt. */
const FORMAT = 4

/** Entry points, by output name. The workers are separate entries so worker threads load them by file. */
const ENTRIES = {
  index: 'src/main/cli/index.ts',
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
  const entry = join(dir, 'index.js')
  return existsSync(entry) ? entry : null
}

/**
 * Modules that find resources/, package.json or opencv's wasm relative to their own source file
 * keep pointing at that source file: import.meta.url becomes the source file's URL computed from
 * the bundle's own location (so the checkout can move). The jobs keep the bundle's URL, because
 * they locate their worker entry next to the bundle (jobs/runner.ts), and so do the batch pool and the page worker.
 */
function keepSourceLocation(outDirDepthFromRoot) {
  const up = '../'.repeat(outDirDepthFromRoot)
  return {
    name: 'glyphdesk-keep-source-location',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/](main|shared)[\\/].*\.ts$/ }, async (args) => {
        const code = readFileSync(args.path, 'utf8')
        const rel = relative(ROOT, args.path).split(sep).join('/')
        const keep =
          rel.startsWith('src/main/jobs/') || rel === 'src/main/cli/batch.ts' || rel === 'src/main/vision/readPage.ts'
        if (keep || !code.includes('import.meta.url')) return { contents: code, loader: 'ts' }
        return {
          contents: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(up + rel)}, import.meta.url).href`),
          loader: 'ts'
        }
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
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, join(ROOT, v)])),
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external,
      metafile: true,
      logLevel: 'silent',
      // ESM output has no require(); a few bundled CommonJS helpers may ask for one.
      banner: {
        js: "import { createRequire as __glyphdeskRequire } from 'node:module'; const require = __glyphdeskRequire(import.meta.url);"
      },
      plugins: [keepSourceLocation(relative(ROOT, tmp).split(sep).length), zodEnglishOnly()]
    })
    const inputs = {}
    const files = new Set([...Object.keys(result.metafile.inputs), 'package.json', 'bin/cliBundle.mjs'])
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
    return join(final, 'index.js')
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
