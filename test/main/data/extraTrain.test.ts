// Which glyphs of a file a model trained on, read from its card: matched by content hash when the
// card records one (so a card written on one machine works on another), else by path.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extraTrainEntries, perClassCount, sha256OfFile, trainedOnEntry } from '../../../src/main/data/extraTrain.ts'
import { tenWayScore } from '../../../src/main/cli/eval.ts'
import { NUM_CLASSES } from '../../../src/shared/classes.ts'
import { ModelCardSchema } from '../../../src/shared/modelManifest.ts'

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gd-extra-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('extraTrainEntries / trainedOnEntry', () => {
  it('reads extraTrain and extraTrainMore; the card schema refuses malformed entries', () => {
    const card = {
      data: {
        extraTrain: { file: 'a.mat', perClass: 20 },
        extraTrainMore: [{ file: 'b.mat', perClass: 'all' as const, sha256: 'f'.repeat(64) }]
      }
    }
    const e = extraTrainEntries(card)
    expect(e.map((x) => x.file)).toEqual(['a.mat', 'b.mat'])
    expect(perClassCount(e[0])).toBe(20)
    expect(perClassCount(e[1])).toBe(Infinity)
    expect(extraTrainEntries({})).toEqual([])
    expect(ModelCardSchema.safeParse({ data: { extraTrainMore: [{ file: 3 }, { perClass: 2 }] } }).success).toBe(false)
    expect(ModelCardSchema.safeParse({ data: 'nonsense' }).success).toBe(false)
  })

  it('matches a copy of the trained-on file elsewhere by hash, and not a different file at the recorded path', () => {
    const a = join(work, 'digits_train.mat'),
      copy = join(work, 'elsewhere.mat'),
      other = join(work, 'other.mat')
    writeFileSync(a, 'glyphs A')
    copyFileSync(a, copy)
    writeFileSync(other, 'glyphs B')
    const entries = extraTrainEntries({
      data: {
        extraTrain: null,
        extraTrainMore: [{ file: '../data/digits_train.mat', sha256: sha256OfFile(a), perClass: 'all' }]
      }
    })
    expect(trainedOnEntry(entries, copy)?.perClass).toBe('all')
    expect(trainedOnEntry(entries, other)).toBeNull()
    // An old card without a hash matches by path only.
    const old = extraTrainEntries({ data: { extraTrain: { file: a, perClass: 5 } } })
    expect(trainedOnEntry(old, a)?.perClass).toBe(5)
    expect(trainedOnEntry(old, copy)).toBeNull()
  })
})

describe('tenWayScore', () => {
  it('lets only the digits compete: a 0 whose top class is O counts as right when 0 beats the other digits', () => {
    const probs = new Float32Array(3 * NUM_CLASSES)
    // glyph 0, truth 0: O 0.6, 0 0.3, 8 0.1 → 10-way right.
    probs[14] = 0.6
    probs[26] = 0.3
    probs[34] = 0.1
    // glyph 1, truth 1: I 0.5, 7 0.3, 1 0.2 → 10-way wrong (7).
    probs[NUM_CLASSES + 8] = 0.5
    probs[NUM_CLASSES + 33] = 0.3
    probs[NUM_CLASSES + 27] = 0.2
    // glyph 2, truth 1: 1 0.9 → right.
    probs[2 * NUM_CLASSES + 27] = 0.9
    const s = tenWayScore({ x: new Float32Array(3 * 1024), y: Uint8Array.from([26, 27, 27]), n: 3 }, probs)
    expect(s.accuracy).toBeCloseTo(2 / 3, 12)
    expect(s.perClass['0']).toBe(1)
    expect(s.perClass['1']).toBe(0.5)
    expect(s.perClass['2']).toBeNull()
  })
})
