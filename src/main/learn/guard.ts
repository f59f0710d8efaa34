// The wrong-label guard: before a retrain, the corrections a person should look at again. One mistyped
// label repeated in training can teach a model to read every S as A; two checks catch it:
//  - "confident-other": the base model is ≥ 90% sure the glyph is another class than the one typed;
//  - "unlike-label": the glyph looks like no example of its new label — its best pixel similarity to the
//    label's glyphs in the shipped replay set (and to the person's other glyphs of that label) is below
//    what nearly every replay glyph of that label reaches against the rest of its class (the 2nd
//    percentile of their leave-one-out best similarities). Model-independent, so it also speaks when the
//    model is unsure.
// The person confirms (keeps) or drops each; nothing is decided here.
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import type { Classifier } from '../recognize/classifier.ts'
import type { Corrections } from './corrections.ts'
import { loadReplaySet, ReplaySetError } from '../data/replaySet.ts'

export const CONFIDENT = 0.9

export interface Suspect {
  page: string
  boxId: string
  label: string
  reason: 'confident-other' | 'unlike-label'
  /** What the model reads, and how sure it is. */
  modelSays: string
  p: number
  /** unlike-label: the glyph's best similarity to its label's examples, and the label's usual floor. */
  similarity?: number
  floor?: number
}

/** Glyphs centred and scaled to unit length (ink positive), for cosine similarity. */
function unitRows(x: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * GLYPH_PIXELS)
  for (let i = 0; i < n; i++) {
    const o = i * GLYPH_PIXELS
    let mean = 0
    for (let k = 0; k < GLYPH_PIXELS; k++) mean += 1 - x[o + k]
    mean /= GLYPH_PIXELS
    let ss = 0
    for (let k = 0; k < GLYPH_PIXELS; k++) {
      const v = 1 - x[o + k] - mean
      out[o + k] = v
      ss += v * v
    }
    const s = ss > 0 ? 1 / Math.sqrt(ss) : 0
    for (let k = 0; k < GLYPH_PIXELS; k++) out[o + k] *= s
  }
  return out
}

function dot(a: Float32Array, i: number, b: Float32Array, j: number): number {
  let s = 0
  const oa = i * GLYPH_PIXELS,
    ob = j * GLYPH_PIXELS
  for (let k = 0; k < GLYPH_PIXELS; k++) s += a[oa + k] * b[ob + k]
  return s
}

/** Per-class floors of the shipped replay set, computed once per process. */
const floors = new Map<number, number>()

/** The corrections to look at again before training (at most one entry per box). */
export async function findSuspects(c: Corrections, base: Classifier): Promise<Suspect[]> {
  if (c.n === 0) return []
  const pred = await base.predict(c.x, c.n)
  const out: Suspect[] = []
  const flagged = new Set<number>()
  for (let i = 0; i < c.n; i++) {
    const r = c.rows[i]
    if (r.by !== 'person') continue
    const top = pred.labels[i],
      p = pred.probs[i * NUM_CLASSES + top]
    if (top !== c.y[i] && p >= CONFIDENT) {
      out.push({ page: r.page, boxId: r.boxId, label: r.label, reason: 'confident-other', modelSays: CLASSES[top], p })
      flagged.add(i)
    }
  }
  let replay
  try {
    replay = loadReplaySet().replay
  } catch (e) {
    if (e instanceof ReplaySetError) return out
    throw e
  }
  const ru = unitRows(replay.x, replay.n)
  const cu = unitRows(c.x, c.n)
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => [])
  for (let i = 0; i < replay.n; i++) byClass[replay.y[i]].push(i)
  const floorOf = (k: number): number => {
    const known = floors.get(k)
    if (known !== undefined) return known
    const members = byClass[k]
    const best = new Float64Array(members.length).fill(-1)
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        const d = dot(ru, members[a], ru, members[b])
        if (d > best[a]) best[a] = d
        if (d > best[b]) best[b] = d
      }
    }
    best.sort()
    const f = best[Math.floor(0.02 * (best.length - 1))] ?? 0
    floors.set(k, f)
    return f
  }
  for (let i = 0; i < c.n; i++) {
    const r = c.rows[i]
    // A glyph the model itself reads as its label needs no second look.
    if (r.by !== 'person' || flagged.has(i) || pred.labels[i] === c.y[i] || byClass[c.y[i]].length < 2) continue
    let best = -1
    for (const j of byClass[c.y[i]]) best = Math.max(best, dot(cu, i, ru, j))
    for (let j = 0; j < c.n; j++)
      if (j !== i && c.y[j] === c.y[i] && c.rows[j].by === 'person') best = Math.max(best, dot(cu, i, cu, j))
    const floor = floorOf(c.y[i])
    if (best < floor) {
      const top = pred.labels[i]
      out.push({
        page: r.page,
        boxId: r.boxId,
        label: r.label,
        reason: 'unlike-label',
        modelSays: CLASSES[top],
        p: pred.probs[i * NUM_CLASSES + top],
        similarity: best,
        floor
      })
    }
  }
  return out
}
