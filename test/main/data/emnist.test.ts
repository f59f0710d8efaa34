import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readEmnist, readEmnistDir, parseIdx, emnistLabelMap, IdxFormatError } from '../../../src/main/data/emnist.ts'
import { classIndex } from '../../../src/shared/classes.ts'

const FIX = join(import.meta.dirname, '../../fixtures/emnist')
const fx = (f: string): string => join(FIX, f)
const px = (x: Float32Array, i: number, r: number, c: number): number => x[i * 1024 + r * 32 + c]

describe('readEmnist', () => {
  it('undoes the transposed storage and white-on-black polarity: the "L" stands upright, dark on white', async () => {
    const g = await readEmnist(
      fx('emnist-balanced-test-images-idx3-ubyte'),
      fx('emnist-balanced-test-labels-idx1-ubyte'),
      'balanced'
    )
    // 28×28 padded by 2 px: EMNIST (r, c) lands at (r+2, c+2)
    expect(px(g.x, 0, 4 + 2, 6 + 2)).toBe(0) // stem: top left is ink
    expect(px(g.x, 0, 23 + 2, 20 + 2)).toBe(0) // foot: bottom right end is ink
    expect(px(g.x, 0, 6 + 2, 20 + 2)).toBe(1) // top right is paper
    expect(px(g.x, 0, 8 + 2, 18 + 2)).toBeCloseTo(1 - 128 / 255, 6) // marker not transposed
    // the 2 px frame is paper
    for (let k = 0; k < 32; k++) {
      expect(px(g.x, 0, 0, k)).toBe(1)
      expect(px(g.x, 0, 31, k)).toBe(1)
      expect(px(g.x, 0, k, 1)).toBe(1)
    }
    // the 7 has its bar on top
    let top = 0,
      bottom = 0
    for (let c = 0; c < 32; c++) {
      top += 1 - px(g.x, 1, 7, c)
      bottom += 1 - px(g.x, 1, 24, c)
    }
    expect(top).toBeGreaterThan(bottom)
  })

  it('maps balanced labels onto the 36 classes and drops distinct lowercase', async () => {
    const g = await readEmnist(
      fx('emnist-balanced-test-images-idx3-ubyte'),
      fx('emnist-balanced-test-labels-idx1-ubyte'),
      'balanced'
    )
    expect(g.n).toBe(2)
    expect(g.dropped).toBe(1)
    expect([...g.y]).toEqual([classIndex('L'), classIndex('7')])
  })

  it('reads gzip-compressed idx files the same as raw ones', async () => {
    const raw = await readEmnist(
      fx('emnist-balanced-test-images-idx3-ubyte'),
      fx('emnist-balanced-test-labels-idx1-ubyte'),
      'balanced'
    )
    const gz = await readEmnistDir(FIX, 'bymerge', 'test')
    expect(gz.x).toEqual(raw.x)
    expect([...gz.y]).toEqual([...raw.y])
  })

  it('maps the 1-based letters split onto A–Z', async () => {
    const g = await readEmnistDir(FIX, 'letters', 'test')
    expect([...g.y]).toEqual([classIndex('L'), classIndex('G'), classIndex('A')])
    expect(g.dropped).toBe(0)
  })

  it('stops after `limit` kept glyphs', async () => {
    const g = await readEmnistDir(FIX, 'balanced', 'test', { limit: 1 })
    expect(g.n).toBe(1)
    expect(g.y[0]).toBe(classIndex('L'))
  })

  it('hands the upright 28×28 crop to a custom normaliser', async () => {
    const seen: number[] = []
    const g = await readEmnistDir(FIX, 'balanced', 'test', {
      limit: 1,
      normalise: (crop, w, h, out) => {
        seen.push(w, h, crop[4 * 28 + 6], crop[0])
        return out.fill(0.5)
      }
    })
    expect(seen).toEqual([28, 28, 0, 1])
    expect(g.x[0]).toBe(0.5)
  })
})

describe('emnistLabelMap', () => {
  it('maps byclass digits, capitals and drops all lowercase', () => {
    const m = emnistLabelMap('byclass')
    expect(m.length).toBe(62)
    expect(m[0]).toBe(classIndex('0'))
    expect(m[9]).toBe(classIndex('9'))
    expect(m[10]).toBe(classIndex('A'))
    expect(m[35]).toBe(classIndex('Z'))
    expect([...m.subarray(36)].every((v) => v === -1)).toBe(true)
  })
  it('keeps O and 0 distinct', () => {
    const m = emnistLabelMap('bymerge')
    expect(m[0]).not.toBe(m[10 + 14])
    expect(m[10 + 14]).toBe(classIndex('O'))
  })
  it('maps digits and mnist splits to classes 26..35', () => {
    expect([...emnistLabelMap('digits')]).toEqual([26, 27, 28, 29, 30, 31, 32, 33, 34, 35])
    expect([...emnistLabelMap('mnist')]).toEqual([...emnistLabelMap('digits')])
  })
})

describe('idx errors', () => {
  it('rejects a bad magic number', async () => {
    await expect(
      readEmnist(fx('emnist-balanced-test-images-idx3-ubyte'), fx('badmagic-labels-idx1-ubyte'), 'balanced')
    ).rejects.toThrow(/badmagic-labels-idx1-ubyte: bad magic number 0x08030000; not an idx file/)
  })
  it('rejects a truncated raw file', async () => {
    await expect(
      readEmnist(fx('truncated-images-idx3-ubyte'), fx('emnist-balanced-test-labels-idx1-ubyte'), 'balanced')
    ).rejects.toThrow(
      /truncated-images-idx3-ubyte: is truncated: header promises 3×28×28 = 2352 bytes of data, file has 984/
    )
  })
  it('rejects a truncated gzip file', async () => {
    await expect(
      readEmnist(fx('truncated-images-idx3-ubyte.gz'), fx('emnist-balanced-test-labels-idx1-ubyte'), 'balanced')
    ).rejects.toThrow(IdxFormatError)
    await expect(
      readEmnist(fx('truncated-images-idx3-ubyte.gz'), fx('emnist-balanced-test-labels-idx1-ubyte'), 'balanced')
    ).rejects.toThrow(/gzip data is damaged or truncated/)
  })
  it('rejects labels beyond the split, hinting at the wrong split', async () => {
    await expect(
      readEmnist(fx('emnist-balanced-test-images-idx3-ubyte'), fx('wrongsplit-labels-idx1-ubyte'), 'balanced')
    ).rejects.toThrow(/label 50 at index 2 is outside the balanced split's 47 classes/)
  })
  it('rejects images passed as labels and mismatched counts', async () => {
    await expect(
      readEmnist(fx('emnist-balanced-test-labels-idx1-ubyte'), fx('emnist-balanced-test-labels-idx1-ubyte'), 'balanced')
    ).rejects.toThrow(/holds 3; expected n×28×28 images/)
  })
  it('says which files are missing from a directory', async () => {
    await expect(readEmnistDir(FIX, 'byclass', 'train')).rejects.toThrow(
      /emnist-byclass-train-images-idx3-ubyte: not found/
    )
  })
  it('rejects empty and non-byte idx data', () => {
    expect(() => parseIdx(new Uint8Array(0), 'e')).toThrow(/e: is empty/)
    expect(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0), 'f')).toThrow(/only unsigned bytes/)
  })
})
