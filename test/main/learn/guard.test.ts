// The wrong-label guard (recognize/guard.ts) on the committed corrections of sample pages 01 and 02: the
// simulated person's right labels raise nothing with cnn-best, and one S typed as A is caught.
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLASSES } from '../../../src/shared/classes.ts'
import { collectCorrections, readPageDocs, type Corrections } from '../../../src/main/learn/corrections.ts'
import { CONFIDENT, findSuspects } from '../../../src/main/learn/guard.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'

const root = resolve(__dirname, '../../..')
let c: Corrections
beforeAll(async () => {
  c = await collectCorrections(readPageDocs(join(root, 'test/fixtures/corrections')))
}, 60_000)

/** The corrections with box i relabelled. */
function relabel(i: number, label: string): Corrections {
  const y = Uint8Array.from(c.y)
  y[i] = CLASSES.indexOf(label)
  return { ...c, y, rows: c.rows.map((r, k) => (k === i ? { ...r, label } : r)) }
}

describe('wrong-label guard', () => {
  it('raises nothing on 151 right labels that cnn-best reads as typed or corrects for good reason', async () => {
    expect(await findSuspects(c, await loadClassifier('cnn-best'))).toEqual([])
  }, 60_000)

  it('flags an S typed as A: cnn-best is ≥ 90% sure it is S', async () => {
    const cnn = await loadClassifier('cnn-best')
    // The S of the fixtures that cnn-best is surest of: the case of a confident reading the person contradicts.
    const all = await cnn.predict(c.x, c.n)
    const S = CLASSES.indexOf('S')
    let i = -1
    c.rows.forEach((r, k) => {
      if (r.label === 'S' && (i < 0 || all.probs[k * 36 + S] > all.probs[i * 36 + S])) i = k
    })
    const p = await cnn.predict(c.x.subarray(i * 1024, (i + 1) * 1024), 1)
    expect(CLASSES[p.labels[0]]).toBe('S')
    const s = await findSuspects(relabel(i, 'A'), cnn)
    expect(s).toHaveLength(1)
    expect(s[0]).toMatchObject({ boxId: c.rows[i].boxId, label: 'A', reason: 'confident-other', modelSays: 'S' })
    expect(s[0].p).toBeGreaterThanOrEqual(CONFIDENT)
  }, 60_000)

  it('flags it by looks when the model is not that sure (mlp-best), and leaves confirmations the model agrees with alone', async () => {
    const mlp = await loadClassifier('mlp-best')
    const i = c.rows.findIndex((r) => r.label === 'S')
    const s = (await findSuspects(relabel(i, 'A'), mlp)).filter((x) => x.boxId === c.rows[i].boxId)
    expect(s).toHaveLength(1)
    expect(s[0].reason).toBe('unlike-label')
    expect(s[0].similarity!).toBeLessThan(s[0].floor!)
    // Every glyph it flags on the right labels is one mlp-best itself misreads.
    const pred = await mlp.predict(c.x, c.n)
    for (const x of await findSuspects(c, mlp)) {
      const k = c.rows.findIndex((r) => r.boxId === x.boxId && r.page === x.page)
      expect(pred.labels[k]).not.toBe(c.y[k])
    }
  }, 60_000)
})
