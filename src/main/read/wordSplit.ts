// Run-together words: a token the decoder read without a space that is no word, but that is two or more
// lexicon words end to end at places where two of the detector's boxes meet (THATSOUTH, WHENBUY). When a
// person spaces words unevenly, a word gap can be as narrow as the gaps inside the words beside it, and the
// line's gap model (read/wordGaps.ts) then gives it a space probability too low for the search to try
// (DecoderOptions.confidentGap). Splitting such a gap is left to the gap model there because the language
// model's say on one gap is small against a gap the statistics are sure of; here the lexicon gets the whole
// token to judge: only a token of letters that is not a word itself, only into words of at least `minPart`
// letters (two-letter "words" — AB, CD, KS — are a third of all letter pairs in a system word list, so they
// would split codes and names), and only where the gap is at least `minGap` character heights.

import { isLexiconWord, type Lexicon } from './decode.ts'

export interface WordSplitOptions {
  /** Each part is a lexicon word of at least this many letters (default 3; 0 turns splitting off). */
  minPart?: number
  /** Where the split falls, the gap is at least this many character heights (default 0). */
  minGap?: number
  /**
   * A run of at least this many digits may be a part too, beside a word (BOX1916 → BOX 1916); 0: never
   * (default 2).
   */
  digitRun?: number
  /**
   * A token of letters one edit (a letter added, dropped or changed) from a lexicon word is left whole: a
   * misread word (CONTRY for COUNTRY, which splits as CON TRY) is likelier than two words (default 1 = on).
   */
  nearWord?: number
}

export const DEFAULT_WORD_SPLIT: Required<WordSplitOptions> = { minPart: 3, minGap: 0, digitRun: 2, nearWord: 1 }

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** Longer tokens are left as read (the search is quadratic in the length; no run of a few words is this long). */
export const MAX_SPLIT_TOKEN = 60

/** Whether a word of the lexicon is one edit (insertion, deletion or substitution of a letter) from `token`. */
export function oneEditFromWord(token: string, lexicon: Lexicon): boolean {
  const n = token.length
  for (let i = 0; i <= n; i++) {
    const head = token.slice(0, i)
    if (i < n && isLexiconWord(head + token.slice(i + 1), lexicon)) return true
    for (const c of ALPHABET) {
      if (isLexiconWord(head + c + token.slice(i), lexicon)) return true
      if (i < n && c !== token[i] && isLexiconWord(head + c + token.slice(i + 1), lexicon)) return true
    }
  }
  return false
}

const LETTERS = /^[A-Z]+$/
const DIGITS = /^[0-9]+$/
const WORD_CHARS = /^[A-Z0-9]+$/

/**
 * Where to put spaces in `token` (positions k: a space before its character k) so that every part is a
 * lexicon word, or null when the token is a word itself, holds a non-letter, or cannot be split so.
 * `gapBefore[k]` is the gap before character k in character heights, null where no two detector boxes
 * meet (inside a cut box, say): no space goes there. The fewest parts win; among those, the widest
 * narrowest gap.
 */
export function lexiconSplit(
  token: string,
  gapBefore: readonly (number | null)[],
  lexicon: Lexicon | null | undefined,
  opts: WordSplitOptions = {}
): number[] | null {
  const minPart = opts.minPart ?? DEFAULT_WORD_SPLIT.minPart
  const minGap = opts.minGap ?? DEFAULT_WORD_SPLIT.minGap
  const digitRun = opts.digitRun ?? DEFAULT_WORD_SPLIT.digitRun
  const n = token.length
  if (!lexicon || minPart <= 0 || n > MAX_SPLIT_TOKEN || isLexiconWord(token, lexicon)) return null
  // The parts: common words only (a name run into a word is rarer than a non-word that holds a name).
  const words = lexicon.common ?? lexicon
  const gapOk = (k: number): boolean => {
    const g = gapBefore[k]
    return g !== null && g !== undefined && g >= minGap
  }
  if (!LETTERS.test(token)) {
    // Letters and digits: split only where they change, each letter run a word and each digit run long enough.
    if (digitRun <= 0 || !WORD_CHARS.test(token) || DIGITS.test(token)) return null
    const runs = token.match(/[A-Z]+|[0-9]+/g)!
    const ok = runs.every((r) =>
      DIGITS.test(r) ? r.length >= digitRun : r.length >= minPart && isLexiconWord(r, words)
    )
    if (!ok) return null
    const cuts: number[] = []
    let at = 0
    for (const r of runs.slice(0, -1)) cuts.push((at += r.length))
    return cuts.every(gapOk) ? cuts : null
  }
  if (n < 2 * minPart) return null
  if ((opts.nearWord ?? DEFAULT_WORD_SPLIT.nearWord) !== 0 && oneEditFromWord(token, lexicon)) return null
  // best[i]: the fewest parts covering token[0, i), and the widest narrowest split gap among those.
  const parts = new Array<number>(n + 1).fill(Infinity)
  const narrowest = new Array<number>(n + 1).fill(-Infinity)
  const back = new Array<number>(n + 1).fill(-1)
  parts[0] = 0
  narrowest[0] = Infinity
  for (let i = minPart; i <= n; i++) {
    for (let j = 0; j <= i - minPart; j++) {
      if (parts[j] === Infinity) continue
      if ((j > 0 && !gapOk(j)) || !isLexiconWord(token.slice(j, i), words)) continue
      const p = parts[j] + 1
      const m = j > 0 ? Math.min(narrowest[j], gapBefore[j]!) : narrowest[j]
      if (p < parts[i] || (p === parts[i] && m > narrowest[i])) {
        parts[i] = p
        narrowest[i] = m
        back[i] = j
      }
    }
  }
  if (parts[n] === Infinity || parts[n] < 2) return null
  const cuts: number[] = []
  for (let i = back[n]; i > 0; i = back[i]) cuts.push(i)
  return cuts.reverse()
}
