// Look-alike calibration: per-class offsets added to a classifier's logits before the softmax so
// that a digit and the letter drawn like it (0/O, 1/I, 5/S, 2/Z, 6/G, 8/B) are treated evenly.
//
// Why: real handwritten letters in a CNN's training set, and fonts that draw 0 exactly like O, make
// the network prefer the letter when a glyph could be either. On a balanced validation split the
// fitted offsets make the worse member of each pair as good as it can be — the model stops paying
// for letter accuracy with digits — with overall accuracy as the tie-break and the smallest offset
// after that. Only the digit of each pair moves (the letter is the reference); the offsets live in
// the ONNX model card (`logitOffsets`) and OnnxClassifier applies them in predict().
import { CLASSES, LOOKALIKE_PAIRS, NUM_CLASSES, type LookalikePair } from '../../shared/classes.ts'

export interface PairScore {
  letter: string
  digit: string
  /** Recall (per-class accuracy) of each member, and how many of each went to the other. */
  letterRecall: number
  digitRecall: number
  letterToDigit: number
  digitToLetter: number
}

export interface CalibrationScore {
  n: number
  accuracy: number
  pairs: PairScore[]
}

export interface CalibrationResult {
  /** One offset per Glyphdesk class (36), added to that class's logit. */
  offsets: number[]
  before: CalibrationScore
  after: CalibrationScore
  grid: { min: number; max: number; step: number }
  rounds: number
}

function classIndex(label: string): number {
  const i = CLASSES.indexOf(label)
  if (i < 0) throw new RangeError(`"${label}" is not a Glyphdesk class`)
  return i
}

/** argmax of each row of n×36 logits plus offsets. */
export function argmaxWithOffsets(logits: Float32Array, n: number, offsets: ArrayLike<number>): Uint8Array {
  if (logits.length < n * NUM_CLASSES)
    throw new RangeError(`${n} rows need ${n * NUM_CLASSES} logits, got ${logits.length}`)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * NUM_CLASSES
    let best = 0,
      bestV = -Infinity
    for (let k = 0; k < NUM_CLASSES; k++) {
      const v = logits[o + k] + offsets[k]
      if (v > bestV) {
        bestV = v
        best = k
      }
    }
    out[i] = best
  }
  return out
}

/** Accuracy and, for each look-alike pair, both members' recall and cross-confusions. */
export function scoreCalibration(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  pairs: LookalikePair[] = LOOKALIKE_PAIRS
): CalibrationScore {
  const n = truth.length
  const count = new Float64Array(NUM_CLASSES),
    right = new Float64Array(NUM_CLASSES)
  const cross = new Map<number, number>()
  let correct = 0
  for (let i = 0; i < n; i++) {
    const t = truth[i],
      p = predicted[i]
    count[t]++
    if (t === p) {
      right[t]++
      correct++
    } else cross.set(t * NUM_CLASSES + p, (cross.get(t * NUM_CLASSES + p) ?? 0) + 1)
  }
  return {
    n,
    accuracy: n ? correct / n : 0,
    pairs: pairs.map(([letter, digit]) => {
      const a = classIndex(letter),
        b = classIndex(digit)
      return {
        letter,
        digit,
        letterRecall: count[a] ? right[a] / count[a] : NaN,
        digitRecall: count[b] ? right[b] / count[b] : NaN,
        letterToDigit: cross.get(a * NUM_CLASSES + b) ?? 0,
        digitToLetter: cross.get(b * NUM_CLASSES + a) ?? 0
      }
    })
  }
}

/**
 * Fits the digit offset of each look-alike pair on labelled logits (n×36, Glyphdesk class order) by
 * coordinate ascent over a grid. The objective, compared lexicographically: the sum over pairs of
 * the worse member's recall; then overall accuracy; then the smallest total |offset|. Pairs whose
 * members are absent from the data keep offset 0. Deterministic: same logits, same offsets.
 */
export function fitLookalikeOffsets(
  logits: Float32Array,
  truth: ArrayLike<number>,
  n: number,
  options: { pairs?: LookalikePair[]; min?: number; max?: number; step?: number; maxRounds?: number } = {}
): CalibrationResult {
  const pairs = options.pairs ?? LOOKALIKE_PAIRS
  const min = options.min ?? -1.5,
    max = options.max ?? 1.5,
    step = options.step ?? 0.05
  if (!(step > 0) || !(max >= min)) throw new RangeError(`bad grid ${min}…${max} step ${step}`)
  if (truth.length < n) throw new RangeError(`${n} rows need ${n} labels, got ${truth.length}`)
  for (let i = 0; i < logits.length; i++)
    if (!Number.isFinite(logits[i])) throw new RangeError(`logit ${i} is ${logits[i]}; calibrate on finite logits`)
  const y = Array.from({ length: n }, (_, i) => truth[i])
  const present = new Set(y)
  const active = pairs.filter(([a, b]) => present.has(classIndex(a)) && present.has(classIndex(b)))
  const offsets = new Array<number>(NUM_CLASSES).fill(0)
  const steps = Math.round((max - min) / step)
  const grid = Array.from({ length: steps + 1 }, (_, k) => Math.round((min + k * step) * 1e6) / 1e6)

  type Key = [worst: number, acc: number, size: number]
  const key = (o: number[]): Key => {
    const s = scoreCalibration(y, argmaxWithOffsets(logits, n, o), active)
    const worst = s.pairs.reduce((acc, p) => acc + Math.min(p.letterRecall, p.digitRecall), 0)
    return [worst, s.accuracy, -o.reduce((a, v) => a + Math.abs(v), 0)]
  }
  const better = (a: Key, b: Key): boolean => {
    for (let i = 0; i < 3; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-12) return a[i] > b[i]
    }
    return false
  }

  let best = key(offsets)
  let rounds = 0
  const maxRounds = options.maxRounds ?? 4
  for (; rounds < maxRounds; rounds++) {
    let changed = false
    for (const [, digit] of active) {
      const d = classIndex(digit)
      for (const v of grid) {
        if (v === offsets[d]) continue
        const trial = offsets.slice()
        trial[d] = v
        const k = key(trial)
        if (better(k, best)) {
          best = k
          offsets[d] = v
          changed = true
        }
      }
    }
    if (!changed) {
      rounds++
      break
    }
  }
  const zero = new Array<number>(NUM_CLASSES).fill(0)
  return {
    offsets,
    before: scoreCalibration(y, argmaxWithOffsets(logits, n, zero), pairs),
    after: scoreCalibration(y, argmaxWithOffsets(logits, n, offsets), pairs),
    grid: { min, max, step },
    rounds
  }
}
