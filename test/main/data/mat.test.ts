import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync, existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { readMat, parseMat, encodeMat, writeMat, MatFormatError, pad8 } from '../../../src/main/data/mat.ts'

const FIX = join(import.meta.dirname, '../../fixtures/mat')
const fx = (f: string): string => join(FIX, f)
const expected = JSON.parse(readFileSync(fx('glyphs_expected.json'), 'utf8')) as {
  glyphs_row_major: number[][]
  labels: number[]
  ramp_column_major: number[]
}
const PY = '/usr/bin/python3'
const hasScipy = existsSync(PY) && spawnSync(PY, ['-c', 'import scipy.io, numpy'], { encoding: 'utf8' }).status === 0

describe.each(['glyphs_compressed.mat', 'glyphs_uncompressed.mat'])('readMat on %s', (file) => {
  it('decodes the glyph matrix with its exact values, column-major per glyph', async () => {
    const m = await readMat(fx(file))
    const d = m.variables.get('train_data')!
    expect(d.class).toBe('double')
    expect(d.dims).toEqual([2, 1024])
    // element (i, c*32+r) of a column-major 2-row matrix sits at (c*32+r)*2+i
    for (let i = 0; i < 2; i++) {
      for (let r = 0; r < 32; r++)
        for (let c = 0; c < 32; c++) {
          expect(d.data[(c * 32 + r) * 2 + i]).toBe(expected.glyphs_row_major[i][r * 32 + c])
        }
    }
  })

  it('decodes uint8 labels, int16, single, uint32 and logical arrays exactly', async () => {
    const m = await readMat(fx(file))
    const lab = m.variables.get('train_labels')!
    expect(lab.class).toBe('uint8')
    expect(lab.data).toBeInstanceOf(Uint8Array)
    expect(lab.dims).toEqual([2, 36])
    expect(lab.data[11 * 2 + 0]).toBe(1)
    expect(lab.data[26 * 2 + 1]).toBe(1)
    expect([...m.variables.get('ramp')!.data]).toEqual(expected.ramp_column_major)
    expect(m.variables.get('ramp')!.dims).toEqual([3, 4])
    expect([...m.variables.get('small_i16')!.data]).toEqual([-3, 7, 300])
    expect(m.variables.get('small_i16')!.data).toBeInstanceOf(Int16Array)
    expect([...m.variables.get('f32')!.data]).toEqual([1.5, -2.25])
    expect(m.variables.get('u32')!.data[0]).toBe(4000000000)
    const flags = m.variables.get('flags')!
    expect(flags.class).toBe('logical')
    expect([...flags.data]).toEqual([1, 0, 0, 1])
  })

  it('lists a char array as skipped instead of failing', async () => {
    const m = await readMat(fx(file))
    expect(m.skipped).toContainEqual({ name: 'note', kind: 'char' })
  })
})

describe('readMat on hand-built files', () => {
  it.each(['mixed_le.mat', 'mixed_be.mat'])(
    'converts stored types to the array class and reads small data elements (%s)',
    async (file) => {
      const m = await readMat(fx(file))
      const v = (k: string) => m.variables.get(k)!
      expect(v('dbl_as_u8').class).toBe('double')
      expect(v('dbl_as_u8').data).toBeInstanceOf(Float64Array)
      expect([...v('dbl_as_u8').data]).toEqual([0, 1, 2, 250, 254, 255])
      expect([...v('dbl_as_i16').data]).toEqual([-1000, 0, 1000])
      expect([...v('tiny').data]).toEqual([7, 9])
      expect([...v('dbl').data]).toEqual([0.1, -2.5e300])
      expect([...v('u16').data]).toEqual([65535, 1])
      expect([...v('i32').data]).toEqual([-7, 2147483647])
      expect([...v('i8').data]).toEqual([-128, 127])
    }
  )

  it('reads a compressed element after uncompressed ones', async () => {
    const m = await readMat(fx('mixed_le.mat'))
    expect([...m.variables.get('zipped')!.data]).toEqual([42])
  })

  it('decodes only the requested variables', async () => {
    const m = await readMat(fx('glyphs_compressed.mat'), { only: ['ramp'] })
    expect([...m.variables.keys()]).toEqual(['ramp'])
  })
})

describe('readMat errors', () => {
  const cases: [string, RegExp][] = [
    ['truncated.mat', /truncated\.mat: .*(truncated|ends early)/],
    ['truncated_uncompressed.mat', /truncated_uncompressed\.mat: is truncated/],
    ['bad_zlib.mat', /bad_zlib\.mat: compressed element at offset 128 is not a valid zlib stream/],
    ['empty.mat', /empty\.mat: is empty/],
    ['notes.mat', /notes\.mat: is not a MAT-file .*text file/],
    ['picture.mat', /picture\.mat: is not a MAT-file .*PNG/],
    ['v73.mat', /v73\.mat: is a MATLAB v7\.3 \(HDF5\) file; re-save it with save\(\.\.\., '-v7'\)/],
    ['missing.mat', /missing\.mat: file not found/]
  ]
  it.each(cases)('rejects %s with a MatFormatError naming the file and the problem', async (file, msg) => {
    const err = await readMat(fx(file)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MatFormatError)
    expect((err as Error).message).toMatch(msg)
  })

  it('detects HDF5 by its signature at byte 512 even without the v7.3 header text', () => {
    const b = Buffer.alloc(600)
    b.write('\x89HDF\r\n\x1a\n', 512, 'latin1')
    expect(() => parseMat(b, 'x.mat')).toThrow(/v7\.3 \(HDF5\)/)
  })

  it('writes the same bytes for the same variables at any time (no date in the header), so set hashes are stable', async () => {
    const vars = [{ name: 'a', class: 'double' as const, dims: [2, 2], data: [1, 2, 3, 4] }]
    const first = encodeMat(vars)
    await new Promise((r) => setTimeout(r, 1100)) // a clock-second later: a dated header would differ
    expect(encodeMat(vars).equals(first)).toBe(true)
    expect(first.subarray(0, 116).toString('latin1')).not.toMatch(/\d{2}:\d{2}:\d{2}/)
  })

  it('refuses a matrix whose dims claim more data than the file holds, without allocating it', () => {
    const good = encodeMat([{ name: 'a', class: 'double', dims: [2, 2], data: [1, 2, 3, 4] }], { compress: false })
    // dims live in the second sub-element: header 128 + matrix tag 8 + flags 16 + dims tag 8
    good.writeInt32LE(100000, 128 + 8 + 16 + 8)
    good.writeInt32LE(100000, 128 + 8 + 16 + 12)
    expect(() => parseMat(good, 'big.mat')).toThrow(
      /big\.mat: variable "a" declares 10000000000 elements but holds only 4/
    )
  })

  it('reports every cut-off point of a valid file as an error, never garbage', () => {
    const full = readFileSync(fx('glyphs_uncompressed.mat'))
    for (let len = 0; len < full.length; len += 97) {
      let threw = false
      try {
        parseMat(full.subarray(0, len), 'cut.mat')
      } catch (e) {
        threw = true
        expect(e).toBeInstanceOf(MatFormatError)
      }
      expect(threw, `length ${len}`).toBe(true)
    }
  })
})

describe('writeMat', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gd-mat-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const vars = [
    { name: 'train_data', class: 'double' as const, dims: [2, 3], data: [0.5, -1, 1e-9, 2, 3.25, 1.125] },
    { name: 'y', class: 'uint8' as const, dims: [1, 4], data: [0, 1, 255, 7] }
  ]

  it.each([true, false])('round-trips through its own reader (compress=%s)', async (compress) => {
    const f = join(dir, `rt_${compress}.mat`)
    await writeMat(f, vars, { compress })
    const m = await readMat(f)
    expect(m.variables.get('train_data')!.dims).toEqual([2, 3])
    expect([...m.variables.get('train_data')!.data]).toEqual(vars[0].data)
    expect(m.variables.get('y')!.class).toBe('uint8')
    expect([...m.variables.get('y')!.data]).toEqual(vars[1].data)
  })

  it.each([true, false])('writes files scipy.io.loadmat reads back exactly (compress=%s)', async (compress) => {
    if (!hasScipy) {
      console.warn(`SKIPPED scipy round trip: ${PY} with scipy not available`)
      return
    }
    const f = join(dir, `sp_${compress}.mat`)
    await writeMat(f, vars, { compress })
    const py = `
import json, sys, scipy.io
m = scipy.io.loadmat(sys.argv[1])
print(json.dumps({k: {'dtype': str(v.dtype), 'shape': list(v.shape), 'F': v.flatten(order='F').tolist()} for k, v in m.items() if not k.startswith('__')}))`
    const r = spawnSync(PY, ['-c', py, f], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    const got = JSON.parse(r.stdout)
    expect(got.train_data).toEqual({ dtype: 'float64', shape: [2, 3], F: vars[0].data })
    expect(got.y).toEqual({ dtype: 'uint8', shape: [1, 4], F: vars[1].data })
  })

  it('writes atomically, leaving no temporary files behind', async () => {
    const f = join(dir, 'atomic.mat')
    await writeMat(f, vars)
    const { readdir } = await import('node:fs/promises')
    expect((await readdir(dir)).filter((x) => x.includes('.tmp'))).toEqual([])
    expect((await readFile(f)).subarray(0, 10).toString('latin1')).toBe('MATLAB 5.0')
  })

  it('rejects values that do not fit the class and mismatched dims', () => {
    expect(() => encodeMat([{ name: 'y', class: 'uint8', dims: [1, 1], data: [256] }])).toThrow(/does not fit uint8/)
    expect(() => encodeMat([{ name: 'y', class: 'double', dims: [2, 2], data: [1] }])).toThrow(/need 4 values, got 1/)
    expect(() => encodeMat([{ name: '1bad', class: 'double', dims: [1, 1], data: [1] }])).toThrow(
      /not a valid MATLAB variable name/
    )
  })

  it('pads byte counts past 2^31 and refuses a variable too large for a level-5 file before allocating it', () => {
    // 410 000 crops of 1024 doubles: 3.36 GB, which 32-bit padding arithmetic turned into a negative size.
    expect(pad8(410_000 * 1024 * 8 + 3)).toBe(410_000 * 1024 * 8 + 8)
    expect(pad8(2 ** 31 + 1)).toBe(2 ** 31 + 8)
    expect(pad8(0)).toBe(0)
    // 530 000 × 1024 doubles is 4.3 GB: more than a uint32 byte count. The data is never touched (a bare length).
    const huge = { length: 1024 * 530_000 } as ArrayLike<number>
    expect(() => encodeMat([{ name: 'X', class: 'double', dims: [1024, 530_000], data: huge }])).toThrow(
      /more than a MAT-file \(level 5\) variable holds \(4 GiB\): write fewer samples/
    )
  })

  it('produces a file that parseMat reads even when written to disk by hand', async () => {
    const f = join(dir, 'byhand.mat')
    await writeFile(f, encodeMat([{ name: 'abcd', class: 'double', dims: [1, 1], data: [3] }], { compress: false }))
    expect([...(await readMat(f)).variables.get('abcd')!.data]).toEqual([3])
  })
})

describe('readMat on corrupted bytes', () => {
  it('either parses or throws MatFormatError, never another error, for 400 seeded random corruptions', () => {
    let seed = 12345
    const rand = (k: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % k
    }
    for (const f of ['glyphs_uncompressed.mat', 'glyphs_compressed.mat', 'mixed_le.mat', 'mixed_be.mat']) {
      const orig = readFileSync(fx(f))
      for (let t = 0; t < 100; t++) {
        const b = Buffer.from(orig)
        for (let k = 0; k < 1 + rand(4); k++) b[128 + rand(b.length - 128)] = rand(256)
        try {
          parseMat(b, 'fuzz.mat')
        } catch (e) {
          if (!(e instanceof MatFormatError))
            throw new Error(`${f} trial ${t}: ${(e as Error).name}: ${(e as Error).message}`)
        }
      }
    }
  })
})
