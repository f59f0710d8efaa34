// Crash-safe saves: a full disk or a read-only target gives a domain error naming the path and keeps the
// previous state; a model folder is replaced in one step; what a killed save left is cleaned up.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

// Fault injection: while `failWith` is set, writing through a file handle fails with that errno.
const fault: { failWith: string | null } = { failWith: null }
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const fh = await real.open(...args)
      const writeFile = fh.writeFile.bind(fh)
      fh.writeFile = async (...w: Parameters<typeof fh.writeFile>) => {
        if (fault.failWith) throw Object.assign(new Error(`${fault.failWith}: simulated`), { code: fault.failWith })
        return writeFile(...w)
      }
      return fh
    }
  }
})

const { saveMlp, loadMlp } = await import('../../../src/main/nn/serialise.ts')
const { FileWriteError, writeFileAtomic } = await import('../../../src/main/core/atomicFile.ts')
const { cleanStaleTemporaries, parseTemporary } = await import('../../../src/main/core/atomicDirs.ts')
const { Mlp } = await import('../../../src/main/nn/mlp.ts')
const { createAppContext } = await import('../../../src/main/ipc/context.ts')
const { createAppRegistry } = await import('../../../src/main/ipc/index.ts')
const { saveProject } = await import('../../../src/main/project/projectFile.ts')

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'glyphdesk-atomic-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const mlp = (seed: number) => new Mlp({ sizes: [1024, 8, 36], activation: 'sigmoid', seed })

describe('a full disk or a read-only target', () => {
  for (const code of ['ENOSPC', 'EROFS']) {
    it(`${code}: writeFileAtomic throws a FileWriteError naming the path and keeps the old file`, async () => {
      const file = join(tmp, `${code}.txt`)
      writeFileSync(file, 'old')
      fault.failWith = code
      const err = await writeFileAtomic(file, 'new').catch((e: unknown) => e)
      fault.failWith = null
      expect(err).toBeInstanceOf(FileWriteError)
      expect((err as Error).message).toContain(file)
      expect((err as Error).message).toContain(code)
      expect(readFileSync(file, 'utf8')).toBe('old')
      expect(readdirSync(tmp).filter((n) => n.startsWith(`.${code}.txt.`))).toEqual([])
    })
  }

  it('ENOSPC on project.save answers 422 with the path, not 500 "Error"', async () => {
    const dataDir = mkdtempSync(join(tmp, 'data-'))
    const registry = createAppRegistry(
      createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async () => '' })
    )
    fault.failWith = 'ENOSPC'
    const reply = await registry.invoke('project.save', {
      project: { format: 'glyphdesk-project' as const, version: 1 as const, pages: [], current: 0, models: [] }
    })
    fault.failWith = null
    expect(reply.ok).toBe(false)
    if (!reply.ok) {
      expect(reply.error.status).toBe(422)
      expect(reply.error.name).toBe('FileWriteError')
      expect(reply.error.message).toMatch(/autosave\.glyphdesk could not be written: the disk is full/)
    }
  })

  it('ENOSPC while saving a model keeps the previous model loadable', async () => {
    const dir = join(tmp, 'model-enospc')
    await saveMlp(dir, mlp(1), { n: 1 })
    fault.failWith = 'ENOSPC'
    await expect(saveMlp(dir, mlp(2), { n: 2 })).rejects.toThrow(FileWriteError)
    fault.failWith = null
    expect((await loadMlp(dir)).card).toEqual({ n: 1 })
    expect(readdirSync(tmp).filter((n) => n.startsWith('.model-enospc'))).toEqual([])
  })
})

describe('a fine-tune that fails mid-write', () => {
  it('leaves no --out folder (no empty head, no stray temporary) and the rerun to the same --out works', async () => {
    // finetune --out killed or out of disk mid-write used to leave a half-written folder that the rerun then
    // refused ("already exists and is not empty"). The model is now staged beside --out and renamed into place.
    const { finetune, FINETUNE_DEFAULTS } = await import('../../../src/main/learn/finetune.ts')
    const { resolveModelDir } = await import('../../../src/main/recognize/models.ts')
    const { Rng } = await import('../../../src/main/nn/rng.ts')
    const n = 36,
      rng = new Rng(7)
    const x = Float32Array.from({ length: n * 1024 }, () => rng.uniform())
    const y = Uint8Array.from({ length: n }, (_, i) => i % 36)
    const out = join(tmp, 'tuned')
    const spec = {
      baseDir: resolveModelDir('mlp-baseline'),
      baseName: 'mlp-baseline',
      outDir: out,
      name: 'tuned',
      corrections: { x, y, n },
      pages: [],
      replayDir: null,
      config: { ...FINETUNE_DEFAULTS.mlp, epochs: 1, replayPerClass: 0, heldOut: 0 }
    }
    fault.failWith = 'ENOSPC'
    await expect(finetune(spec)).rejects.toThrow(FileWriteError)
    fault.failWith = null
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(tmp).filter((f) => f.startsWith('.tuned'))).toEqual([])
    const r = await finetune(spec)
    expect(r?.dir).toBe(out)
    expect(readdirSync(out).sort()).toContain('model.json')
    await loadMlp(out)
  }, 60_000)
})

describe('model folders are replaced in one step', () => {
  it("re-saving keeps the model folder's other files and leaves no temporaries", async () => {
    const dir = join(tmp, 'model-resave')
    await saveMlp(dir, mlp(1), { n: 1 })
    writeFileSync(join(dir, 'checkpoint.json'), '{}')
    await saveMlp(dir, mlp(2), { n: 2 })
    expect((await loadMlp(dir)).card).toEqual({ n: 2 })
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'model.json', 'weights.bin'])
    expect(readdirSync(tmp).filter((n) => n.startsWith('.model-resave'))).toEqual([])
  })

  it('a save killed between the two renames leaves the old model under a backup name that loading restores', async () => {
    const dir = join(tmp, 'model-midswap')
    await saveMlp(dir, mlp(1), { n: 1 })
    // What a kill -9 after `rename(dir, backup)` leaves: no folder, the backup, and the staged new one.
    const deadPid = 2 ** 22 + 12345
    await fsp.rename(dir, join(tmp, `.model-midswap.${deadPid}.old-0123456789ab`))
    mkdirSync(join(tmp, `.model-midswap.${deadPid}.staging-AbC123`))
    expect((await loadMlp(dir)).card).toEqual({ n: 1 })
    expect(readdirSync(tmp).filter((n) => n.startsWith('.model-midswap'))).toEqual([])
  })
})

describe('stale temporaries', () => {
  it('are removed on start when their writer is dead, and kept while it runs', async () => {
    const root = mkdtempSync(join(tmp, 'userdata-'))
    mkdirSync(join(root, 'models', 'mine'), { recursive: true })
    const deadPid = 2 ** 22 + 4321
    const dead = [
      join(root, `.autosave.glyphdesk.${deadPid}.0123456789ab.tmp`),
      join(root, 'models', 'mine', `.weights.bin.${deadPid}.abcdefabcdef.tmp`)
    ]
    for (const f of dead) writeFileSync(f, '')
    mkdirSync(join(root, 'models', `.other.${deadPid}.staging-Xy12Zw`))
    const live = join(root, `.settings.json.${process.pid}.0123456789ab.tmp`)
    writeFileSync(live, '')
    const done = await cleanStaleTemporaries(root)
    expect(done.map((d) => d.action)).toEqual(['removed', 'removed', 'removed'])
    for (const f of dead) expect(existsSync(f)).toBe(false)
    expect(existsSync(join(root, 'models', `.other.${deadPid}.staging-Xy12Zw`))).toBe(false)
    expect(existsSync(live)).toBe(true)
  })

  it('a project saved again after a killed save leaves no 0-byte temporary beside it', async () => {
    const dir = mkdtempSync(join(tmp, 'project-'))
    const file = join(dir, 'work.glyphdesk')
    writeFileSync(join(dir, `.work.glyphdesk.${2 ** 22 + 7}.0123456789ab.tmp`), '')
    await saveProject(file, {
      format: 'glyphdesk-project' as const,
      version: 1 as const,
      pages: [],
      current: 0,
      models: []
    })
    expect(readdirSync(dir)).toEqual(['work.glyphdesk'])
  })

  it('names only our own temporaries', () => {
    expect(parseTemporary('.model.json.123.0123456789ab.tmp')).toEqual({ target: 'model.json', pid: 123, kind: 'tmp' })
    expect(parseTemporary('.mine.9.old-0123456789ab')).toEqual({ target: 'mine', pid: 9, kind: 'old' })
    expect(parseTemporary('notes.tmp')).toBeNull()
    expect(parseTemporary('.hidden')).toBeNull()
  })
})
