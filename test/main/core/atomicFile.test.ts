import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeDirAtomic, writeFileAtomic } from '../../../src/main/core/atomicFile.ts'

const root = await mkdtemp(join(tmpdir(), 'glyphdesk-atomic-'))
afterAll(() => rm(root, { recursive: true, force: true }))
const dirFor = (name: string): string => join(root, name)

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary beside it', async () => {
    const dir = dirFor('atomic-file')
    await writeFileAtomic(join(dir, 'a.json'), 'one')
    await writeFileAtomic(join(dir, 'a.json'), 'two')
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('two')
    expect(await readdir(dir)).toEqual(['a.json'])
  })

  it("removes the file's temporaries left by a dead writer, unless the caller swept the folder itself", async () => {
    const dir = dirFor('atomic-sweep')
    // Above Linux's largest pid (2^22): no process has it.
    const stale = `.a.json.${2 ** 22 + 77}.0123456789ab.tmp`
    await writeFileAtomic(join(dir, 'a.json'), 'one')
    await writeFile(join(dir, stale), 'half')
    await writeFileAtomic(join(dir, 'a.json'), 'two', { sweep: false })
    expect((await readdir(dir)).sort()).toEqual([stale, 'a.json'])
    await writeFileAtomic(join(dir, 'a.json'), 'three')
    expect(await readdir(dir)).toEqual(['a.json'])
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('three')
  })
})

describe('writeDirAtomic', () => {
  it('makes the folder in one step, or leaves no trace when filling it fails', async () => {
    const parent = dirFor('atomic-dir')
    const target = join(parent, 'model')
    await writeDirAtomic(target, async (s) => {
      await writeFile(join(s, 'a.txt'), 'one')
    })
    expect(await readFile(join(target, 'a.txt'), 'utf8')).toBe('one')
    // A non-empty target is never replaced; the staging folder is cleaned up.
    await expect(
      writeDirAtomic(target, async (s) => {
        await writeFile(join(s, 'a.txt'), 'two')
      })
    ).rejects.toThrow(/ENOTEMPTY|EEXIST/)
    expect(await readFile(join(target, 'a.txt'), 'utf8')).toBe('one')
    // A failing fill: nothing appears.
    const other = join(parent, 'other')
    await expect(
      writeDirAtomic(other, async (s) => {
        await writeFile(join(s, 'half'), 'x')
        throw new Error('disk full')
      })
    ).rejects.toThrow('disk full')
    expect((await readdir(parent)).sort()).toEqual(['model'])
  })
})
