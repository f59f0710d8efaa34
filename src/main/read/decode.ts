// Decoding a text line: which candidate segments are its characters, what each one says, and where the
// spaces fall — one search over everything at once. A path through a line's lattice (read/lattice.ts)
// is scored, in natural-log units, as the sum of
//  - per segment: its shape prior, the classifier's ln p of the label, and a per-segment bonus (without
//    which paths of fewer, larger segments would win just by having fewer terms);
//  - per place two detector boxes meet: ln P(space) or ln P(no space) from the line's gap model
//    (read/wordGaps.ts);
//  - the character language model (read/charLm.ts) of the whole text, spaces included, times `lmWeight`;
//  - a bonus for every finished word found in the lexicon, when there is one.
// A segment the pair reader read (DecodeEdge.pair, after a first decoding: read/transcribe.ts) may also be read as
// two characters, its left and right half (`pairPenalty`).
// The language model resolves ambiguity and never overrides a confident reading: a segment whose best
// class has p ≥ `confident` is read as that class, and otherwise only the classes within `minRatio` of
// the best are tried. So a mixed token (4B, A4), a number or a non-word the classifier is sure of stays as
// read, while an O/0 the classifier hesitates over takes the one its neighbours make likely.
// A cost `mixedTokenCost` (default 2) is paid per letter–digit switch inside a token, so a hesitant O in a
// run of digits is read 0 and a hesitant 0 in a word O (off until the reading had its look-alike and lexicon
// steps; then 1 gained on the tuning and validation pages, and 2 once fragments and thin letters were read
// better: docs/BENCHMARKS.md). An option stays off because it did not help on hard pages of hands no model
// saw: trying a look-alike partner (O/0, I/1, S/5, Z/2, G/6, B/8) past a confident reading when its
// p ≥ `lookalikeMin`.
//
// Search: nodes left to right, hypotheses merged when their future is the same (same language-model
// context and, with a lexicon, the same word so far) and cut to the best `beam` per node. With an
// unbounded beam the search is exact (test/main/read/decode.test.ts checks it against brute force).
import { CLASSES, isDigit, LOOKALIKE_PAIRS } from '../../shared/classes.ts'
import type { CharLm } from './charLm.ts'

export interface DecodeEdge {
  from: number
  to: number
  /** Class probabilities (36, in CLASSES order). */
  probs: ArrayLike<number>
  /** Additive ln prior of the segment (its shape, its kind). */
  prior: number
  /** A detector's box that the lattice neither cuts nor merges: the decoder tries its classes by `minRatioPlain`. */
  plain?: boolean
  /**
   * The pair reader's reading of the segment as two characters (read/pairReader.ts: left and right, 37 entries each,
   * the last "no pair"), where it was read; with `pairPenalty` finite the search may read it so.
   */
  pair?: EdgePair | null
}

/** A segment read as a left and a right character: 37 probabilities each (CLASSES order, then "no pair"). */
export interface EdgePair {
  left: ArrayLike<number>
  right: ArrayLike<number>
}

export interface DecodeLattice {
  nodes: number
  edges: DecodeEdge[]
  /** P(space) where a path passing node k may put a space before its next character; null where it may not. */
  space: (number | null)[]
}

export interface DecoderOptions {
  lm: CharLm | null
  /** Weight of the language model's ln P (default 0.3). */
  lmWeight?: number
  lexicon?: Lexicon | null
  /** Added for a finished word of 2+ letters found in the lexicon (default 1). */
  lexiconBonus?: number
  /**
   * Added per segment (default 1.5). With a language model, `lmWeight` times its average cost per character
   * (its held-out cross-entropy) is added too, so that the model's cost of a character is not by itself a
   * reason to read fewer characters.
   */
  segmentBonus?: number
  /** A best class with p at or above this is the only reading tried (default 0.9). */
  confident?: number
  /** Other classes tried are within this share of the best one's p (default 0.05) … */
  minRatio?: number
  /**
   * `minRatio` for a detector's box the lattice neither cuts nor merges (default 0.1): a whole glyph the
   * detector found alone is what the classifier reads best, so only a class within a tenth of its best is tried
   * there; on a cut piece or a merge, where it reads worst, the language model may pick from a wider choice.
   */
  minRatioPlain?: number
  /** … at most this many classes per segment (default 3). */
  maxLabels?: number
  /**
   * The look-alike partner of the best class (O/0, I/1, S/5, Z/2, B/8, G/6) is tried too, even past
   * `confident`, when its p is at least this (default: never). The classifier's certainty within a pair is
   * the least trustworthy it has on a hand it never saw; the language model and lexicon then weigh the pair.
   */
  lookalikeMin?: number
  /**
   * A gap whose space probability is at least this (or at most 1 − this) is decided by the gap alone, as a
   * confident class is (default 0.95); closer calls are left to the language model too.
   */
  confidentGap?: number
  /**
   * Subtracted each time a token changes between letters and digits (default 2), with a language model only.
   * A token of digits stays digits and a word stays a word when one of its glyphs is an O/0, I/1, S/5 the
   * classifier hesitates over; a mixed token read confidently (4B, A4) has no other reading tried, so it stays
   * mixed. Exact under the search's merging: it depends only on the previous character, which the
   * language-model context holds.
   */
  mixedTokenCost?: number
  /**
   * What reading a segment as two characters costs (natural-log units), where the pair reader read it
   * (DecodeEdge.pair); with a language model only. Such a reading scores the segment's prior and bonus once, both
   * heads' ln p, and the language model and letter–digit switches of both characters, less this. Default −1 (a pair
   * pays a second character's language model with one segment bonus; chosen on the tuning pages, docs/BENCHMARKS.md,
   * "The decoder reads pairs itself"); Infinity: never.
   */
  pairPenalty?: number
  /** Hypotheses kept per node (default 32). */
  beam?: number
  /** Paths returned, best first (default 3). */
  nBest?: number
}

export const DEFAULT_DECODER = {
  lmWeight: 0.3,
  lexiconBonus: 1,
  segmentBonus: 1.5,
  confident: 0.9,
  minRatio: 0.05,
  minRatioPlain: 0.1,
  maxLabels: 3,
  lookalikeMin: 1,
  confidentGap: 0.95,
  mixedTokenCost: 2,
  pairPenalty: -1,
  beam: 32,
  nBest: 3
}

/**
 * Decoder options with every field set (given, else DEFAULT_DECODER's), as one object literal: built by spreading
 * DEFAULT_DECODER, every call made an object of a new shape, and V8 threw decodeLine's optimised code away on each
 * (docs/BENCHMARKS.md, "Forty-second session").
 */
export function decoderOptions(
  o: Omit<DecoderOptions, 'lm' | 'lexicon'> | undefined,
  lm: CharLm | null,
  lexicon: Lexicon | null
): Required<DecoderOptions> {
  const d = DEFAULT_DECODER
  return {
    lm,
    lexicon,
    lmWeight: o?.lmWeight ?? d.lmWeight,
    lexiconBonus: o?.lexiconBonus ?? d.lexiconBonus,
    segmentBonus: o?.segmentBonus ?? d.segmentBonus,
    confident: o?.confident ?? d.confident,
    minRatio: o?.minRatio ?? d.minRatio,
    minRatioPlain: o?.minRatioPlain ?? d.minRatioPlain,
    maxLabels: o?.maxLabels ?? d.maxLabels,
    lookalikeMin: o?.lookalikeMin ?? d.lookalikeMin,
    confidentGap: o?.confidentGap ?? d.confidentGap,
    mixedTokenCost: o?.mixedTokenCost ?? d.mixedTokenCost,
    pairPenalty: o?.pairPenalty ?? d.pairPenalty,
    beam: o?.beam ?? d.beam,
    nBest: o?.nBest ?? d.nBest
  }
}

export interface DecodedStep {
  edge: number
  label: string
  /** A space comes before this character. */
  spaceBefore: boolean
  /**
   * Set where the word rescue read the candidate as two characters (read/pairReader.ts): this step is its left (0)
   * or right (1) character.
   */
  half?: 0 | 1
}

export interface DecodedPath {
  score: number
  steps: DecodedStep[]
  text: string
}

interface Hyp {
  score: number
  ctx: string
  word: string
  prev: Hyp | null
  edge: number
  label: string
  spaceBefore: boolean
}

/** For each class index, its look-alike partner's index, or −1. */
const PARTNER: readonly number[] = CLASSES.map((c) => {
  const pair = LOOKALIKE_PAIRS.find(([l, d]) => l === c || d === c)
  return pair ? CLASSES.indexOf(pair[0] === c ? pair[1] : pair[0]) : -1
})
const LN_FLOOR = Math.log(1e-6)
/** ln p of a class probability, floored at ln 1e-6: the decoder's (and the word rescue's) classifier term. */
export const lnp = (p: number): number => (p > 1e-6 ? Math.log(p) : LN_FLOOR)

/**
 * What the search adds per segment: `segmentBonus`, plus, with a language model, `lmWeight` times its average
 * cost per character (DecoderOptions.segmentBonus).
 */
export function segmentBonus(opts: Pick<DecoderOptions, 'lm' | 'lmWeight' | 'segmentBonus'>): number {
  const lm = opts.lm
  const lambda = lm ? (opts.lmWeight ?? DEFAULT_DECODER.lmWeight) : 0
  return (opts.segmentBonus ?? DEFAULT_DECODER.segmentBonus) + (lm ? lambda * (lm.natsPerChar ?? 0) : 0)
}

/** The tokens of a decoded path: [start, end) ranges of its steps, a new one at every step with a space before it. */
export function tokenRanges(steps: readonly Pick<DecodedStep, 'spaceBefore'>[]): [number, number][] {
  const out: [number, number][] = []
  let start = 0
  for (let k = 1; k <= steps.length; k++) {
    if (k < steps.length && !steps[k].spaceBefore) continue
    out.push([start, k])
    start = k
  }
  return out
}

/** The classes a segment may be read as: its best, and (when not confident, with a language model) close seconds. */
export function candidateLabels(probs: ArrayLike<number>, opts: DecoderOptions, plain = false): number[] {
  rankedProbs = probs
  const order = CLASS_ORDER.slice().sort(byRankedProb)
  rankedProbs = NO_PROBS
  const top = probs[order[0]]
  const confident = opts.confident ?? DEFAULT_DECODER.confident
  if (!opts.lm) return [order[0]]
  const lookalikeMin = opts.lookalikeMin ?? DEFAULT_DECODER.lookalikeMin
  if (top >= confident) return withPartner([order[0]], order[0], probs, lookalikeMin)
  const ratio = plain
    ? (opts.minRatioPlain ?? DEFAULT_DECODER.minRatioPlain)
    : (opts.minRatio ?? DEFAULT_DECODER.minRatio)
  const max = opts.maxLabels ?? DEFAULT_DECODER.maxLabels
  const close: number[] = []
  for (const k of order.slice(0, max)) if (probs[k] >= ratio * top) close.push(k)
  return withPartner(close, order[0], probs, lookalikeMin)
}

// candidateLabels' and decodeLine's sorts compare with functions of the module: as closures (made anew on every call)
// V8 compiled them again for every page (docs/BENCHMARKS.md, "Forty-second session").

/** The class indices 0 … 35, the order candidateLabels sorts from. */
const CLASS_ORDER: readonly number[] = Array.from({ length: CLASSES.length }, (_, k) => k)
const NO_PROBS: ArrayLike<number> = []
/** The probabilities candidateLabels is sorting by (only during its sort). */
let rankedProbs: ArrayLike<number> = NO_PROBS
const byRankedProb = (a: number, b: number): number => rankedProbs[b] - rankedProbs[a]
const byScoreDesc = (a: Hyp, b: Hyp): number => b.score - a.score
const byFinalScoreDesc = (a: { score: number }, b: { score: number }): number => b.score - a.score

/** `ks` with the best class's look-alike partner added when it is not there and likely enough. */
function withPartner(ks: number[], best: number, probs: ArrayLike<number>, lookalikeMin: number): number[] {
  const partner = PARTNER[best]
  return partner >= 0 && !ks.includes(partner) && probs[partner] >= lookalikeMin ? [...ks, partner] : ks
}

/**
 * The classes (indices into CLASSES) worth trying on a row of probabilities, likeliest first: at most `max`, each at
 * least `ratio` times the row's largest entry. Every entry counts for that largest one, a pair reader head's
 * "no pair" too (read/pairReader.ts), so a head that says "no pair" offers few classes or none. `letters` leaves the
 * digits out (the word rescue's lexicon words have none).
 */
export function likelyClasses(p: ArrayLike<number>, max: number, ratio: number, letters = false): number[] {
  let top = 0
  for (let k = 0; k < p.length; k++) if (p[k] > top) top = p[k]
  const floor = ratio * top
  rankedProbs = p
  const order = CLASS_ORDER.slice().sort(byRankedProb)
  rankedProbs = NO_PROBS
  const out: number[] = []
  for (const k of order) {
    if (out.length >= max || p[k] < floor) break
    if (!letters || !isDigit(CLASSES[k])) out.push(k)
  }
  return out
}

/**
 * The readings of a segment as two characters worth trying: on each head its likely classes (letters and digits;
 * `likelyClasses` with `minRatio` and `maxLabels`), and every left–right combination of them with the sum of their
 * ln p.
 */
export function pairLabels(
  pair: EdgePair,
  opts: Pick<DecoderOptions, 'minRatio' | 'maxLabels'>
): { left: number; right: number; lnp: number }[] {
  const ratio = opts.minRatio ?? DEFAULT_DECODER.minRatio
  const max = opts.maxLabels ?? DEFAULT_DECODER.maxLabels
  const side = (p: ArrayLike<number>): number[] => likelyClasses(p, max, ratio).filter((k) => p[k] > 0)
  const ls = side(pair.left)
  if (ls.length === 0) return []
  const rs = side(pair.right)
  const out: { left: number; right: number; lnp: number }[] = []
  for (const a of ls) for (const b of rs) out.push({ left: a, right: b, lnp: lnp(pair.left[a]) + lnp(pair.right[b]) })
  return out
}

/** Whether the decoder may read a segment as two characters at all (a finite `pairPenalty`). */
export function readsPairs(opts: Pick<DecoderOptions, 'pairPenalty'>): boolean {
  return Number.isFinite(opts.pairPenalty ?? DEFAULT_DECODER.pairPenalty)
}

/** Whether a path passing a gap of space probability p may put a space there: [false], [true] or both. */
export function spaceChoices(p: number | null | undefined, opts: DecoderOptions): boolean[] {
  if (p === null || p === undefined) return [false]
  const sure = opts.confidentGap ?? DEFAULT_DECODER.confidentGap
  return p >= sure ? [true] : p <= 1 - sure ? [false] : [false, true]
}

/** What the decoder asks of a lexicon: whether it holds an upper-case word (a Set is one). */
export interface Lexicon {
  has(word: string): boolean
  /**
   * The words that are more than names (a word list's lower-case entries, and the person's own words), for
   * splitting run-together words (read/wordSplit.ts); absent: all of them.
   */
  common?: Lexicon
  /** Whether some word begins with `prefix` (upper case); where present, misread words are searched for (read/wordRescue.ts). */
  hasPrefix?(prefix: string): boolean
}

export function isLexiconWord(word: string, lexicon: Lexicon | null | undefined): boolean {
  return !!lexicon && word.length >= 2 && /^[A-Z]+$/.test(word) && lexicon.has(word)
}

export function decodeLine(lat: DecodeLattice, opts: DecoderOptions): DecodedPath[] {
  const lm = opts.lm
  const lambda = lm ? (opts.lmWeight ?? DEFAULT_DECODER.lmWeight) : 0
  const lexicon = lm ? opts.lexicon : null
  const lexBonus = opts.lexiconBonus ?? DEFAULT_DECODER.lexiconBonus
  const segBonus = segmentBonus(opts)
  const beam = opts.beam ?? DEFAULT_DECODER.beam
  const nBest = opts.nBest ?? DEFAULT_DECODER.nBest
  const keep = lm ? lm.order - 1 : 0
  const lmScore = (ctx: string, c: string): number => (lm && lambda !== 0 ? lambda * lm.logProb(ctx, c) : 0)
  const push = (ctx: string, c: string): string => (keep === 0 ? '' : (ctx + c).slice(-keep))
  const wordEnd = (word: string): number => (isLexiconWord(word, lexicon) ? lexBonus : 0)
  const mixCost = lm ? (opts.mixedTokenCost ?? DEFAULT_DECODER.mixedTokenCost) : 0
  /** The cost of reading c after the context's last character: a letter after a digit or a digit after a letter. */
  const switchCost = (ctx: string, c: string): number =>
    mixCost !== 0 && ctx.length > 0 && isDigit(ctx[ctx.length - 1]) !== isDigit(c) && ctx[ctx.length - 1] !== ' '
      ? mixCost
      : 0

  const from: number[][] = Array.from({ length: lat.nodes }, () => [])
  lat.edges.forEach((e, i) => from[e.from].push(i))
  const labels = lat.edges.map((e) => candidateLabels(e.probs, opts, e.plain === true))
  const pairPenalty = opts.pairPenalty ?? DEFAULT_DECODER.pairPenalty
  const pairs = lat.edges.map((e) => (lm && e.pair && readsPairs(opts) ? pairLabels(e.pair, opts) : null))
  const at: Map<string, Hyp>[] = Array.from({ length: lat.nodes }, () => new Map())
  at[0].set('', { score: 0, ctx: push('', ' '), word: '', prev: null, edge: -1, label: '', spaceBefore: false })
  const add = (node: number, h: Hyp) => {
    const key = lexicon ? `${h.ctx}\u0000${h.word}` : h.ctx
    const old = at[node].get(key)
    if (!old || h.score > old.score) at[node].set(key, h)
  }
  for (let n = 0; n < lat.nodes - 1; n++) {
    if (at[n].size === 0 || from[n].length === 0) continue
    let hyps = [...at[n].values()]
    if (hyps.length > beam) hyps = hyps.sort(byScoreDesc).slice(0, beam)
    const pSpace = n > 0 ? lat.space[n] : null
    for (const h of hyps) {
      const starts: { score: number; ctx: string; word: string; space: boolean }[] = []
      if (pSpace === null || pSpace === undefined)
        starts.push({ score: h.score, ctx: h.ctx, word: h.word, space: false })
      else {
        const choices = spaceChoices(pSpace, opts)
        if (choices.includes(false))
          starts.push({ score: h.score + lnp(1 - pSpace), ctx: h.ctx, word: h.word, space: false })
        if (choices.includes(true))
          starts.push({
            score: h.score + lnp(pSpace) + lmScore(h.ctx, ' ') + wordEnd(h.word),
            ctx: push(h.ctx, ' '),
            word: '',
            space: true
          })
      }
      for (const s of starts) {
        for (const ei of from[n]) {
          const e = lat.edges[ei]
          for (const k of labels[ei]) {
            const c = CLASSES[k]
            add(e.to, {
              score: s.score + e.prior + lnp(e.probs[k]) + segBonus + lmScore(s.ctx, c) - switchCost(s.ctx, c),
              ctx: push(s.ctx, c),
              word: s.word + c,
              prev: h,
              edge: ei,
              label: c,
              spaceBefore: s.space
            })
          }
          const twos = pairs[ei]
          if (twos === null) continue
          for (const q of twos) {
            const a = CLASSES[q.left],
              b = CLASSES[q.right]
            const mid = push(s.ctx, a)
            add(e.to, {
              score:
                s.score +
                e.prior +
                q.lnp +
                segBonus -
                pairPenalty +
                lmScore(s.ctx, a) -
                switchCost(s.ctx, a) +
                lmScore(mid, b) -
                switchCost(mid, b),
              ctx: push(mid, b),
              word: s.word + a + b,
              prev: h,
              edge: ei,
              label: a + b,
              spaceBefore: s.space
            })
          }
        }
      }
    }
  }
  const finals = [...at[lat.nodes - 1].values()]
    .map((h) => ({ h, score: h.score + lmScore(h.ctx, ' ') + wordEnd(h.word) }))
    .sort(byFinalScoreDesc)
    .slice(0, nBest)
  return finals.map(({ h, score }) => {
    const steps: DecodedStep[] = []
    for (let q: Hyp | null = h; q && q.edge >= 0; q = q.prev)
      if (q.label.length === 2) {
        // A segment read as two characters: its right and its left half (reversed below).
        steps.push({ edge: q.edge, label: q.label[1], spaceBefore: false, half: 1 })
        steps.push({ edge: q.edge, label: q.label[0], spaceBefore: q.spaceBefore, half: 0 })
      } else steps.push({ edge: q.edge, label: q.label, spaceBefore: q.spaceBefore })
    steps.reverse()
    return { score, steps, text: steps.map((s) => (s.spaceBefore ? ' ' : '') + s.label).join('') }
  })
}
