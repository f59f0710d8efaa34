// Look-alikes read against the page's own hand. O and 0, I and 1, Z and 2, S and 5, G and 6, B and 8 differ
// little in many hands and fonts, and a glyph of one alone is often read as the other. But a page is written
// by one hand (or set in one font): where the page's words and numbers already say which of a pair a glyph is
// — a ring inside a lexicon word is an O, inside a run of digits a 0 — those glyphs show how this page draws
// each member. A look-alike whose token does not say (a code such as O2O, a lone ring, a word outside the
// lexicon) is then compared with them in the classifier's own feature space (its penultimate layer), and the
// pair's split of its probability moves toward the member whose examples it resembles more. The decoder then
// reads the page again with those probabilities; nothing else about the reading changes.
import { CLASS_INDEX, isDigit, LOOKALIKE_PAIRS, NUM_CLASSES } from '../../shared/classes.ts'
import type { Lexicon } from './decode.ts'

export interface LookalikeOptions {
  /**
   * ln odds moved per unit of resemblance difference (cosine similarity to the nearest example of the letter
   * minus that to the nearest example of the digit); 0 turns the step off. Default in DEFAULT_LOOKALIKE.
   */
  weight?: number
  /** A glyph counts as a look-alike when its pair holds at least this much of its probability. */
  minPairMass?: number
  /** Shortest token (characters) whose other characters can say what a look-alike in it is. */
  minToken?: number
  /** Most the ln odds of a pair may move either way. */
  maxShift?: number
}

export const DEFAULT_LOOKALIKE: Required<LookalikeOptions> = {
  weight: 40,
  minPairMass: 0.5,
  minToken: 3,
  maxShift: 4
}

/** One chosen box of a first reading, as this step needs it. */
export interface ReadGlyph {
  line: number
  word: number
  label: string
  probs: Float32Array
  /** Half of a candidate read as two characters (readLines.ts#ReadBox.half): its glyph is the pair's, so it is never an example or moved. */
  half?: 0 | 1
}

/** The class indices of each pair of LOOKALIKE_PAIRS: [letter, digit]. */
const PAIR_INDEX = LOOKALIKE_PAIRS.map(([l, d]) => [CLASS_INDEX.get(l)!, CLASS_INDEX.get(d)!] as const)

/** The pair (index into LOOKALIKE_PAIRS) a glyph belongs to, or -1: the pair holds ≥ minPairMass and its top. */
function pairOf(p: Float32Array, minPairMass: number): number {
  let top = 0
  for (let c = 1; c < NUM_CLASSES; c++) if (p[c] > p[top]) top = c
  return PAIR_INDEX.findIndex(([a, d]) => (top === a || top === d) && p[a] + p[d] >= minPairMass)
}

/**
 * What a glyph's token says it is: 'letter' when the token is a lexicon word of at least minToken
 * characters, 'digit' when every other character of a token of at least minToken characters is a digit and
 * at least two of them are not this pair's digit; null when the token does not say.
 */
function contextOf(
  glyphs: readonly ReadGlyph[],
  tokenOf: readonly number[][],
  i: number,
  pair: number,
  lexicon: Lexicon | null,
  minToken: number
): 'letter' | 'digit' | null {
  const token = tokenOf[i]
  if (token.length < minToken) return null
  const text = token.map((j) => glyphs[j].label).join('')
  const others = token.filter((j) => j !== i).map((j) => glyphs[j].label)
  if (lexicon && others.every((c) => !isDigit(c)) && lexicon.has(text.replace(/[0-9]/g, (d) => letterOf(d))))
    return 'letter'
  if (others.every(isDigit) && others.filter((c) => c !== LOOKALIKE_PAIRS[pair][1]).length >= 2) return 'digit'
  return null
}

/** The letter a look-alike digit stands for ('0' → 'O'), the digit itself otherwise. */
function letterOf(d: string): string {
  for (const [a, b] of LOOKALIKE_PAIRS) if (b === d) return a
  return d
}

function cosine(e: Float32Array, dim: number, i: number, j: number): number {
  let dot = 0,
    ni = 0,
    nj = 0
  for (let k = 0; k < dim; k++) {
    const a = e[i * dim + k],
      b = e[j * dim + k]
    dot += a * b
    ni += a * a
    nj += b * b
  }
  if (!Number.isFinite(dot + ni + nj)) return NaN
  return ni > 0 && nj > 0 ? dot / Math.sqrt(ni * nj) : 0
}

/** What the step did to one glyph: its new probabilities and why. */
export interface LookalikeMove {
  /** The glyph's new class probabilities (n × 36 row). */
  probs: Float32Array
  /** Its pair: the letter and the digit. */
  letter: string
  digit: string
  /** Cosine similarity of its features to the nearest example of the letter and of the digit on the page. */
  letterSimilarity: number
  digitSimilarity: number
}

/** Features of some glyphs of a reading (by index): one row of `dim` numbers per index, in their order. */
export type EmbedGlyphs = (indices: readonly number[]) => Promise<{ data: Float32Array; dim: number }>

/**
 * New probabilities for the look-alikes of a first reading (index into `glyphs` → its move), moved toward the
 * member of their pair whose examples on this page they resemble more (cosine similarity of the classifier's
 * features, asked of `embed` for the look-alikes only, and only when some pair has examples of both members
 * and a glyph to move). Glyphs are grouped into tokens by (line, word). Examples are never moved.
 */
export async function adaptLookalikes(
  glyphs: readonly ReadGlyph[],
  embed: EmbedGlyphs,
  lexicon: Lexicon | null,
  opts: LookalikeOptions = {}
): Promise<Map<number, LookalikeMove>> {
  const o = { ...DEFAULT_LOOKALIKE, ...opts }
  const out = new Map<number, LookalikeMove>()
  if (o.weight === 0 || glyphs.length === 0) return out
  const tokens = new Map<string, number[]>()
  const keyOf = (g: ReadGlyph) => `${g.line}:${g.word}`
  glyphs.forEach((g, i) => {
    const t = tokens.get(keyOf(g))
    if (t) t.push(i)
    else tokens.set(keyOf(g), [i])
  })
  const tokenOf = glyphs.map((g) => tokens.get(keyOf(g))!)
  const pairs = glyphs.map((g) => pairOf(g.probs, o.minPairMass))
  // Examples: look-alikes whose token says which member they are, and read as that member.
  const examples: { letter: number[]; digit: number[] }[] = LOOKALIKE_PAIRS.map(() => ({ letter: [], digit: [] }))
  const isExample = glyphs.map((g, i) => {
    const k = pairs[i]
    if (k < 0 || g.half !== undefined) return false
    const ctx = contextOf(glyphs, tokenOf, i, k, lexicon, o.minToken)
    if (ctx === 'letter' && g.label === LOOKALIKE_PAIRS[k][0]) examples[k].letter.push(i)
    else if (ctx === 'digit' && g.label === LOOKALIKE_PAIRS[k][1]) examples[k].digit.push(i)
    else return false
    return true
  })
  const queries = glyphs
    .map((_, i) => i)
    .filter((i) => pairs[i] >= 0 && !isExample[i] && glyphs[i].half === undefined)
    .filter((i) => examples[pairs[i]].letter.length > 0 && examples[pairs[i]].digit.length > 0)
  if (queries.length === 0) return out
  const asked = [
    ...new Set([...queries, ...queries.flatMap((i) => [...examples[pairs[i]].letter, ...examples[pairs[i]].digit])])
  ]
  const { data, dim } = await embed(asked)
  const row = new Map(asked.map((g, r) => [g, r]))
  const sim = (i: number, j: number) => cosine(data, dim, row.get(i)!, row.get(j)!)
  for (const i of queries) {
    const k = pairs[i]
    const g = glyphs[i]
    const nearest = (xs: number[]) => xs.reduce((m, j) => Math.max(m, sim(i, j)), -1)
    const sl = nearest(examples[k].letter),
      sd = nearest(examples[k].digit)
    const shift = Math.max(-o.maxShift, Math.min(o.maxShift, o.weight * (sl - sd)))
    // Features that are not numbers (a damaged model that passed its load check) say nothing: the glyph stays.
    if (!Number.isFinite(shift)) continue
    const [a, d] = PAIR_INDEX[k]
    const mass = g.probs[a] + g.probs[d]
    const odds = Math.log(Math.max(g.probs[a], 1e-9) / Math.max(g.probs[d], 1e-9)) + shift
    const p = new Float32Array(g.probs)
    p[a] = mass / (1 + Math.exp(-odds))
    p[d] = mass - p[a]
    out.set(i, {
      probs: p,
      letter: LOOKALIKE_PAIRS[k][0],
      digit: LOOKALIKE_PAIRS[k][1],
      letterSimilarity: sl,
      digitSimilarity: sd
    })
  }
  return out
}
