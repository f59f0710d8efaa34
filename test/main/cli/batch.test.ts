// Batch reading (`glyphdesk transcribe` over many pages): the page list from folders and manifests,
// --shard splitting a list into disjoint parts whose union is the whole, cleaning up after a killed
// batch, and one run of the command end to end over worker threads (sharded, then resumed).
import { spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  copyFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  collectPages,
  defaultBatchWorkers,
  outputPath,
  parseShard,
  shardPages,
  sweepOutputFolders,
  WORKER_MEMORY_MB
} from '../../../src/main/cli/batch.ts'
import { UsageError } from '../../../src/main/cli/args.ts'
import sharp from 'sharp'
import { multiPageTiff } from '../helpers/multiPageTiff.ts'

const root = resolve(__dirname, '..', '..', '..')
const bin = join(root, 'bin', 'glyphdesk.mjs')
const samples = join(root, 'resources', 'samples')
const work = mkdtempSync(join(tmpdir(), 'glyphdesk-batch-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('--shard', () => {
  it('parses I/N with 0 ≤ I < N and refuses anything else', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 })
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 })
    for (const bad of ['4/4', '1/0', '-1/3', '1', 'a/b', '1/2/3', ''])
      expect(() => parseShard(bad), bad).toThrow(UsageError)
  })

  it('splits a list into N disjoint parts whose union is the whole, for every N up to past the list length', () => {
    const list = Array.from({ length: 23 }, (_, i) => `page-${i}`)
    for (let n = 1; n <= 25; n++) {
      const parts = Array.from({ length: n }, (_, i) => shardPages(list, { index: i, count: n }))
      const all = parts.flat()
      expect(all.length, `N=${n}`).toBe(list.length)
      expect(new Set(all).size, `N=${n}`).toBe(list.length)
      expect([...all].sort()).toEqual([...list].sort())
      // Balanced: part sizes differ by at most one.
      const sizes = parts.map((p) => p.length)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      // Each part keeps list order.
      for (const p of parts) expect(p).toEqual([...p].sort((a, b) => list.indexOf(a) - list.indexOf(b)))
    }
    expect(shardPages(list, undefined)).toEqual(list)
  })
})

describe('collectPages', () => {
  const tree = join(work, 'tree')
  mkdirSync(join(tree, 'box1'), { recursive: true })
  mkdirSync(join(tree, 'box2', 'deep'), { recursive: true })
  for (const f of ['box1/b.jpg', 'box1/a.png', 'box2/deep/c.tif', 'box2/notes.txt', 'box2/.hidden.jpg'])
    writeFileSync(join(tree, f), 'x')

  it('walks folders recursively in name order, keeps only images, and mirrors the tree in the output names', () => {
    const { pages } = collectPages([tree])
    expect(pages.map((p) => p.name)).toEqual(['box1/a', 'box1/b', 'box2/deep/c'])
    expect(outputPath('/out', pages[2], 'alto')).toBe(join('/out', 'box2', 'deep', 'c.xml'))
  })

  it('reads a manifest relative to its own folder, skipping blank lines and # comments', () => {
    const manifest = join(tree, 'list.txt')
    writeFileSync(manifest, '# archive box 2 first\nbox2/deep/c.tif\n\n  box1/a.png  \n')
    const { pages } = collectPages([], [manifest])
    expect(pages.map((p) => [p.input, p.name])).toEqual([
      [join(tree, 'box2/deep/c.tif'), 'box2/deep/c'],
      [join(tree, 'box1/a.png'), 'box1/a']
    ])
  })

  it('refuses a missing manifest entry with its line number, and two pages that would share an output', () => {
    const manifest = join(tree, 'bad.txt')
    writeFileSync(manifest, 'box1/a.png\nbox1/missing.jpg\n')
    expect(() => collectPages([], [manifest])).toThrow(/bad\.txt:2: box1\/missing\.jpg does not exist/)
    writeFileSync(join(tree, 'box1', 'a.jpg'), 'x')
    expect(() => collectPages([join(tree, 'box1')])).toThrow(/both be written as a/)
    rmSync(join(tree, 'box1', 'a.jpg'))
  })
})

describe('collectPages, multi-page TIFFs', () => {
  const dir = join(work, 'stacks')
  /** A TIFF of n 4 × 4 pages. */
  const stack = (n: number) =>
    sharp(Buffer.alloc(16 * n, 255), { raw: { width: 4, height: 4 * n, channels: 1, pageHeight: 4 } })
      .tiff()
      .toBuffer()

  it('lists each page of a multi-page TIFF as a page of its own, numbered to sort in order', async () => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'a.tif'), await stack(3))
    writeFileSync(join(dir, 'b.tiff'), await stack(12))
    writeFileSync(join(dir, 'c.tif'), await stack(1))
    const { pages } = collectPages([dir])
    expect(pages.slice(0, 3)).toEqual(
      [0, 1, 2].map((k) => ({ input: join(dir, 'a.tif'), name: `a-p${k + 1}`, page: k }))
    )
    expect(pages.slice(3, 15).map((p) => [p.name, p.page])).toEqual(
      Array.from({ length: 12 }, (_, k) => [`b-p${String(k + 1).padStart(2, '0')}`, k])
    )
    expect(pages[15]).toEqual({ input: join(dir, 'c.tif'), name: 'c' })
    expect(pages).toHaveLength(16)
    // Named in a manifest, the same pages.
    writeFileSync(join(dir, 'list.txt'), 'a.tif\n')
    expect(collectPages([], [join(dir, 'list.txt')]).pages.map((p) => p.name)).toEqual(['a-p1', 'a-p2', 'a-p3'])
    // A page's output name taken by another file is refused, naming the page.
    writeFileSync(join(dir, 'a-p2.png'), 'x')
    expect(() => collectPages([dir])).toThrow(/a-p2\.png and .*a\.tif \(page 2\) would both be written as a-p2/)
  })
})

describe('defaultBatchWorkers', () => {
  const GB = 2 ** 30
  it('starts one worker per core when the memory holds them, and fewer, never none, when it does not', () => {
    expect(defaultBatchWorkers(2, 23 * GB)).toEqual({ workers: 2, limitedBy: 'cores' })
    expect(defaultBatchWorkers(64, 256 * GB)).toEqual({ workers: 64, limitedBy: 'cores' })
    // 4 GB: 256 MB kept back, then 512 MB a worker → 7.
    expect(defaultBatchWorkers(64, 4 * GB)).toEqual({ workers: 7, limitedBy: 'memory' })
    expect(defaultBatchWorkers(8, 4 * GB)).toEqual({ workers: 7, limitedBy: 'memory' })
    expect(defaultBatchWorkers(8, 300 * 2 ** 20)).toEqual({ workers: 1, limitedBy: 'memory' })
    expect(defaultBatchWorkers(1, 0)).toEqual({ workers: 1, limitedBy: 'cores' })
    // Exactly enough for n workers gives n.
    expect(defaultBatchWorkers(16, (256 + 3 * WORKER_MEMORY_MB) * 2 ** 20).workers).toBe(3)
    expect(defaultBatchWorkers(16, (256 + 3 * WORKER_MEMORY_MB - 1) * 2 ** 20).workers).toBe(2)
  })
})

describe('sweepOutputFolders', () => {
  it("removes the temporary files of processes that no longer run and keeps a running one's and real outputs", async () => {
    const dir = join(work, 'stale')
    mkdirSync(dir, { recursive: true })
    // A pid above the kernel's maximum (4194304) never belongs to a running process. Names as writeFileAtomic
    // makes them (12 hex digits); a name of another form is nobody's temporary and stays.
    const dead = `.p1.txt.${4194304 + 17}.0a1b2c3d4e5f.tmp`,
      mine = `.p2.txt.${process.pid}.ffee00112233.tmp`,
      other = `.p4.txt.${4194304 + 17}.0a1b.tmp`
    for (const f of [dead, mine, other, 'p3.txt']) writeFileSync(join(dir, f), 'x')
    expect(await sweepOutputFolders([dir, dir, join(work, 'no-such-folder')])).toBe(1)
    expect(readdirSync(dir).sort()).toEqual([mine, other, 'p3.txt'].sort())
  })
})

describe('glyphdesk transcribe, batch', () => {
  function glyphdesk(...args: string[]) {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  it('reads a manifest in two shards over worker threads into outputs equal to single-page runs, then skips them on a rerun', () => {
    const pages = join(work, 'pages')
    mkdirSync(pages, { recursive: true })
    const names = ['02_letters', '03_haiku', '04_deep']
    for (const n of names) copyFileSync(join(samples, `${n}.jpg`), join(pages, `${n}.jpg`))
    writeFileSync(join(pages, 'manifest.txt'), names.map((n) => `${n}.jpg`).join('\n') + '\n')
    const out = join(work, 'out')
    const common = [
      '--manifest',
      join(pages, 'manifest.txt'),
      '--out-dir',
      out,
      '--model',
      'cnn-compact',
      '--workers',
      '2'
    ]
    const s0 = glyphdesk('transcribe', ...common, '--shard', '0/2')
    expect(s0.code, s0.stderr).toBe(0)
    expect(s0.stderr).toMatch(/shard 0\/2: 2 of 3 pages/)
    expect(readdirSync(out).sort()).toEqual(['02_letters.txt', '04_deep.txt'])
    const s1 = glyphdesk('transcribe', ...common, '--shard', '1/2')
    expect(s1.code, s1.stderr).toBe(0)
    expect(readdirSync(out).sort()).toEqual(names.map((n) => `${n}.txt`))
    for (const n of names) {
      const single = glyphdesk('transcribe', join(samples, `${n}.jpg`), '--model', 'cnn-compact')
      expect(single.code, single.stderr).toBe(0)
      expect(readFileSync(join(out, `${n}.txt`), 'utf8').trimEnd()).toBe(single.stdout.trimEnd())
    }
    const again = glyphdesk('transcribe', ...common)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/3 of 3 pages already have an output/)
    expect(again.stderr).toMatch(/0 pages read, 3 skipped/)
  }, 600_000)

  it('fails a corrupt page alone: the pages after it on the same worker are read and written', () => {
    const pages = join(work, 'pages-bad')
    mkdirSync(pages, { recursive: true })
    copyFileSync(join(samples, '02_letters.jpg'), join(pages, 'a.jpg'))
    writeFileSync(join(pages, 'b.png'), Buffer.from('\x89PNG\r\n\x1a\n this is not an image'))
    copyFileSync(join(samples, '04_deep.jpg'), join(pages, 'c.jpg'))
    const out = join(work, 'out-bad')
    const r = glyphdesk('transcribe', pages, '--out-dir', out, '--model', 'cnn-compact', '--workers', '1')
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/b\.png: FAILED: /)
    expect(r.stderr).toMatch(/2 pages read, 0 skipped \(done before\), 1 failed/)
    expect(readdirSync(out).sort()).toEqual(['a.txt', 'c.txt'])
    for (const n of ['a', 'c']) expect(readFileSync(join(out, `${n}.txt`), 'utf8').trim().length).toBeGreaterThan(10)
  }, 300_000)

  it('writes every export format in batch mode, PAGE XML included, as the single-page command does', () => {
    // The batch worker once accepted only txt/json/hocr/alto, so `--format page` failed every page.
    const out = join(work, 'out-page')
    const page = join(samples, '03_haiku.jpg')
    const r = glyphdesk(
      'transcribe',
      page,
      '--out-dir',
      out,
      '--format',
      'page',
      '--model',
      'cnn-compact',
      '--workers',
      '1'
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/1 pages? read, 0 skipped \(done before\), 0 failed/)
    const single = glyphdesk('transcribe', page, '--format', 'page', '--model', 'cnn-compact')
    expect(single.code, single.stderr).toBe(0)
    // The documents differ only in their creation time stamps.
    const strip = (x: string) => x.replace(/<(Created|LastChange)>[^<]*<\/\1>/g, '').trimEnd()
    expect(strip(readFileSync(join(out, '03_haiku.page.xml'), 'utf8'))).toBe(strip(single.stdout))
  }, 300_000)

  it('reads a multi-page TIFF page by page: one output each in batch mode, the pages in one text alone', async () => {
    const dir = join(work, 'scans')
    mkdirSync(dir, { recursive: true })
    const tif = join(dir, 'stack.tif')
    writeFileSync(tif, await multiPageTiff([join(samples, '02_letters.jpg'), join(samples, '04_deep.jpg')], 1600, 1150))
    const out = join(work, 'out-stack')
    const r = glyphdesk('transcribe', tif, '--out-dir', out, '--format', 'alto', '--model', 'cnn-compact')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/stack\.tif \(page 2\) → /)
    expect(readdirSync(out).sort()).toEqual(['stack-p1.xml', 'stack-p2.xml'])
    const words = (xml: string) => [...xml.matchAll(/<String [^>]*CONTENT="([^"]*)"/g)].map((m) => m[1]).join(' ')
    const p1 = readFileSync(join(out, 'stack-p1.xml'), 'utf8'),
      p2 = readFileSync(join(out, 'stack-p2.xml'), 'utf8')
    // Each output is its own page's reading, and says which page of the file it is.
    expect(p1).toMatch(/PHYSICAL_IMG_NR="1"/)
    expect(p2).toMatch(/PHYSICAL_IMG_NR="2"/)
    expect(words(p1)).toMatch(/ABCDEFG/)
    expect(words(p2)).toMatch(/DEEP LEARNING/)
    expect(words(p2)).not.toMatch(/ABCDEFG/)
    // Alone: both pages' text, a form feed between them.
    const single = glyphdesk('transcribe', tif, '--model', 'cnn-compact')
    expect(single.code, single.stderr).toBe(0)
    const parts = single.stdout.split('\f')
    expect(parts).toHaveLength(2)
    expect(parts[0]).toMatch(/^ABCDEFG$/m)
    expect(parts[1]).toMatch(/^DEEP LEARNING$/m)
    // One file per page is needed for any other format.
    const json = glyphdesk('transcribe', tif, '--format', 'json')
    expect(json.code).toBe(2)
    expect(json.stderr).toMatch(/stack\.tif holds 2 pages: give --out-dir DIR/)
  }, 300_000)

  it('refuses batch flags without --out-dir and an --out-dir that is a source folder', () => {
    expect(glyphdesk('transcribe', join(samples, '01_list.jpg'), '--workers', '2').code).toBe(2)
    const r = glyphdesk('transcribe', samples, '--out-dir', samples)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/choose a separate folder/)
    expect(existsSync(join(samples, '01_list.jpg'))).toBe(true)
  })
})
