// Misread words read again against the lexicon. A token of the best reading that is no word (SPRT, COUSE,
// SUG412) is often a word whose letters the lattice holds but the search did not take: a cut piece that lost a
// bit of its letter and reads surely as another (a P whose bowl the cut opened, read F), a broken letter read
// as two. Here the token's stretch of the line's lattice is searched again for lexicon words only: every
// segment inside the stretch, each with its few likeliest classes, paths pruned to prefixes of words. The
// best word replaces the token when its score (classifier, shape and kind priors, per-segment bonus: the
// decoder's terms without the character model, which a lexicon word needs no more) is at most `margin` below
// the token's own score under the same terms. The default margin, 3, is about what the decoder itself pays to
// read a confident glyph (p 0.9) as an alternative it would still try (5% of it: ln 18 = 2.9), so a word may
// replace a non-word at about the cost of one such change — a confident non-word far from every word stays.
// Words come from the lexicon's common view (no names); tokens of digits, words and tokens shorter than
// `minLength` are never touched.

import { CLASS_INDEX, CLASSES } from '../../shared/classes.ts'
import { likelyClasses, lnp, tokenRanges, type DecodedStep, type Lexicon } from './decode.ts'

export interface WordRescueOptions {
  /** How far below the token's score a word may be and still replace it (natural-log units; 0 turns it off). */
  margin?: number
  /** Shortest word a token may become (default 3). */
  minLength?: number
  /** Classes tried per segment: at most this many … (default 5) */
  maxLabels?: number
  /** … with p at least this share of the segment's best (default 0.01). */
  minRatio?: number
  /** States kept per node of the stretch (default 64). */
  beam?: number
  /**
   * What reading one candidate as two characters (RescueEdge.pair) costs besides its readings (natural-log units,
   * default 0: the candidate's own prior and bonus are charged once, as for its reading as one character).
   */
  pairPenalty?: number
  /**
   * The pair reader is also asked about the cut pieces of wide boxes and their runs (readLines.ts#pairCandidates;
   * default true): two letters of three glued together are such a run.
   */
  pairCuts?: boolean
  /**
   * Where the decoder reads pairs itself (DecoderOptions.pairPenalty finite), lexicon words are asked about too, so
   * that a word missing a letter pressed into its neighbour (PAR for PAIR, TIP for TRIP) can be read as the longer
   * word (readLines.ts#pairCandidates; default true).
   */
  pairWords?: boolean
  /**
   * Candidates narrower than this many of their line's character widths are not asked about (default 0.5): two
   * characters side by side are wider. On 120 tuning pages the narrowest pair read was 0.79 of a character width,
   * and the narrow candidates (thin cut pieces, almost all) were 30% of the pair reader's work (docs/BENCHMARKS.md).
   */
  pairMinWidth?: number
}

export const DEFAULT_WORD_RESCUE: Required<WordRescueOptions> = {
  margin: 3,
  minLength: 3,
  maxLabels: 5,
  minRatio: 0.01,
  beam: 64,
  pairPenalty: 0,
  pairCuts: true,
  pairWords: true,
  pairMinWidth: 0.5
}

/** What the rescue asks of a lexicon: whole words and their prefixes. */
export interface PrefixLexicon {
  has(word: string): boolean
  hasPrefix(prefix: string): boolean
}

export interface RescueEdge {
  from: number
  to: number
  /** Class probabilities (36, CLASSES order). */
  probs: ArrayLike<number>
  /** The segment's additive ln prior plus the per-segment bonus. */
  base: number
  /**
   * The pair reader's reading of the candidate as two characters (read/pairReader.ts): left and right
   * probabilities over the 36 classes and "no pair" (37 each), where it was read.
   */
  pair?: { left: ArrayLike<number>; right: ArrayLike<number> }
}

export interface RescuedWord {
  /** Indices into the edges given, in order, and the label of each: two letters where a candidate is read as a pair. */
  edges: number[]
  labels: string[]
  text: string
  score: number
}

/** Longer tokens are not read again: no word is this long, and a run of marks can be thousands of boxes. */
export const MAX_TOKEN = 40

/** The score of reading `labels` on `edges` (the terms the rescue compares; a pair reading without `pairPenalty`). */
export function pathScore(edges: readonly RescueEdge[], path: readonly number[], labels: readonly string[]): number {
  let s = 0
  path.forEach((e, k) => {
    const pair = edges[e].pair
    if (labels[k].length === 2 && pair)
      s +=
        edges[e].base + lnp(pair.left[CLASS_INDEX.get(labels[k][0])!]) + lnp(pair.right[CLASS_INDEX.get(labels[k][1])!])
    else s += edges[e].base + lnp(edges[e].probs[CLASS_INDEX.get(labels[k])!])
  })
  return s
}

/**
 * The letters the rescue tries on each head of a pair reading (`likelyClasses`, letters only, by `maxLabels` and
 * `minRatio`): a left and a right list, and no pair to try where either is empty.
 */
export function pairLetters(
  pair: NonNullable<RescueEdge['pair']>,
  opts: Pick<WordRescueOptions, 'maxLabels' | 'minRatio'> = {}
): [number[], number[]] {
  const max = opts.maxLabels ?? DEFAULT_WORD_RESCUE.maxLabels,
    ratio = opts.minRatio ?? DEFAULT_WORD_RESCUE.minRatio
  return [likelyClasses(pair.left, max, ratio, true), likelyClasses(pair.right, max, ratio, true)]
}

/** Whether the rescue reads a token again: letters among its characters, minLength…MAX_TOKEN long, no lexicon word. */
export function rescuable(token: string, lexicon: Lexicon, minLength: number): boolean {
  return token.length >= minLength && token.length <= MAX_TOKEN && /[A-Z]/.test(token) && !lexicon.has(token)
}

/**
 * The best lexicon word readable on a stretch [from, to) of a lattice (edges wholly inside it only), or null.
 * Exact for the labels tried when the beam is not full.
 */
export function bestWord(
  edges: readonly RescueEdge[],
  from: number,
  to: number,
  lexicon: PrefixLexicon,
  opts: WordRescueOptions = {}
): RescuedWord | null {
  const o = { ...DEFAULT_WORD_RESCUE, ...opts }
  interface State {
    prefix: string
    score: number
    prev: State | null
    edge: number
    label: string
  }
  /** Each edge's labels to try with their ln probability: single letters, then letter pairs where it was read as two. */
  const labelsOf = edges.map((e) => {
    const out: { text: string; lnp: number }[] = likelyClasses(e.probs, o.maxLabels, o.minRatio, true).map((c) => ({
      text: CLASSES[c],
      lnp: lnp(e.probs[c])
    }))
    if (e.pair) {
      const [ls, rs] = pairLetters(e.pair, o)
      for (const a of ls)
        for (const b of rs)
          out.push({ text: CLASSES[a] + CLASSES[b], lnp: lnp(e.pair.left[a]) + lnp(e.pair.right[b]) - o.pairPenalty })
    }
    return out
  })
  const byFrom = new Map<number, number[]>()
  edges.forEach((e, i) => {
    if (e.from < from || e.to > to || e.to <= e.from) return
    const l = byFrom.get(e.from)
    if (l) l.push(i)
    else byFrom.set(e.from, [i])
  })
  const states = new Map<number, Map<string, State>>()
  states.set(from, new Map([['', { prefix: '', score: 0, prev: null, edge: -1, label: '' }]]))
  for (let node = from; node < to; node++) {
    const here = states.get(node)
    if (!here) continue
    const kept = [...here.values()].sort((a, b) => b.score - a.score).slice(0, o.beam)
    for (const st of kept) {
      for (const ei of byFrom.get(node) ?? []) {
        const e = edges[ei]
        for (const c of labelsOf[ei]) {
          const prefix = st.prefix + c.text
          if (!lexicon.hasPrefix(prefix)) continue
          const score = st.score + e.base + c.lnp
          let there = states.get(e.to)
          if (!there) states.set(e.to, (there = new Map()))
          const old = there.get(prefix)
          if (!old || score > old.score) there.set(prefix, { prefix, score, prev: st, edge: ei, label: c.text })
        }
      }
    }
  }
  let best: State | null = null
  for (const st of states.get(to)?.values() ?? [])
    if (st.prefix.length >= o.minLength && lexicon.has(st.prefix) && (!best || st.score > best.score)) best = st
  if (!best) return null
  const path: number[] = [],
    labels: string[] = []
  for (let st: State | null = best; st && st.edge >= 0; st = st.prev) {
    path.push(st.edge)
    labels.push(st.label)
  }
  return { edges: path.reverse(), labels: labels.reverse(), text: best.prefix, score: best.score }
}

/**
 * The steps of a line's best path with every token that is no word read again as the best lexicon word on its
 * stretch of the lattice, when that word's score is at most `margin` below the token's (`edges` indexed as the
 * steps' `edge`). Needs the lexicon's common view with prefixes (`Lexicon.common.hasPrefix`); without it the
 * steps come back as they were.
 */
export function rescueWords(
  steps: readonly DecodedStep[],
  edges: readonly RescueEdge[],
  lexicon: Lexicon,
  opts: WordRescueOptions = {}
): { steps: DecodedStep[]; rescued: { token: string; word: string; below: number }[] } {
  const o = { ...DEFAULT_WORD_RESCUE, ...opts }
  const common = lexicon.common
  const hasPrefix = common?.hasPrefix?.bind(common)
  if (o.margin <= 0 || !common || !hasPrefix) return { steps: [...steps], rescued: [] }
  const words: PrefixLexicon = { has: (w) => common.has(w), hasPrefix }
  const out: DecodedStep[] = []
  const rescued: { token: string; word: string; below: number }[] = []
  for (const [start, end] of tokenRanges(steps)) {
    const tok = steps.slice(start, end)
    const token = tok.map((st) => st.label).join('')
    if (!rescuable(token, lexicon, o.minLength)) {
      out.push(...tok)
      continue
    }
    // The token's own path: a segment the decoder read as two characters (its two half steps) is one edge of it.
    const path: number[] = [],
      labels: string[] = []
    for (const st of tok)
      if (st.half === 1 && path.length > 0 && path[path.length - 1] === st.edge) labels[labels.length - 1] += st.label
      else {
        path.push(st.edge)
        labels.push(st.label)
      }
    const own = pathScore(edges, path, labels)
    const w = bestWord(edges, edges[path[0]].from, edges[path[path.length - 1]].to, words, o)
    if (w && w.text !== token && w.score >= own - o.margin) {
      w.edges.forEach((e, i) => {
        const spaceBefore = i === 0 && tok[0].spaceBefore
        const l = w.labels[i]
        if (l.length === 1) out.push({ edge: e, label: l, spaceBefore })
        else {
          // A candidate read as two characters becomes two steps on it, its left and right half.
          out.push({ edge: e, label: l[0], spaceBefore, half: 0 })
          out.push({ edge: e, label: l[1], spaceBefore: false, half: 1 })
        }
      })
      rescued.push({ token, word: w.text, below: Math.max(0, own - w.score) })
    } else out.push(...tok)
  }
  return { steps: out, rescued }
}
