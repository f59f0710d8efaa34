// A word list as a lexicon without a string per word: the decoder only asks whether an upper-case word is
// in it (read/decode.ts#Lexicon). The list's bytes are kept as read, and an open-addressing hash table holds
// the offset of every line made only of ASCII letters, hashed and compared case-blind (each letter's 0x20
// bit cleared). Building it is one pass over the bytes; the Set of upper-cased strings it replaces cost a
// split, a regular expression, an upper-casing and an insertion per word (~100 000 words, a tenth of a
// second of a cold `transcribe`). Lines with anything else (apostrophes, accents, digits) are not words
// here, exactly as before.
import type { Lexicon } from './decode.ts'

const NL = 0x0a
const CR = 0x0d

function isAsciiLetter(b: number): boolean {
  const u = b & 0xdf
  return u >= 0x41 && u <= 0x5a
}

/** FNV-1a over the code units of an upper-case word (the constructor hashes lines the same way). */
function hashWord(word: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export class WordTable implements Lexicon {
  /** Slot → line start + 1 (0: empty); a line's end is the next newline. */
  private readonly slots: Int32Array
  private readonly mask: number
  readonly size: number

  /**
   * `lowerCaseOnly`: only lines that begin with a lower-case letter (a word list's common words, without the
   * names it writes capitalised: Gog, Hus, Unix).
   */
  constructor(
    private readonly bytes: Uint8Array,
    opts: { lowerCaseOnly?: boolean } = {}
  ) {
    const lowerOnly = opts.lowerCaseOnly ?? false
    let lines = 1
    for (let i = bytes.indexOf(NL); i >= 0; i = bytes.indexOf(NL, i + 1)) lines++
    let cap = 16
    while (cap < lines * 2) cap <<= 1
    this.slots = new Int32Array(cap)
    this.mask = cap - 1
    let size = 0
    let start = 0
    while (start < bytes.length) {
      let end = bytes.indexOf(NL, start)
      if (end < 0) end = bytes.length
      const last = end > start && bytes[end - 1] === CR ? end - 1 : end
      // One pass: the line is a word when every byte is a letter; its hash is computed on the way.
      let h = 0x811c9dc5
      let i = start
      for (; i < last; i++) {
        const u = bytes[i] & 0xdf
        if (u < 0x41 || u > 0x5a) break
        h = Math.imul(h ^ u, 0x01000193)
      }
      const lower = bytes[start] >= 0x61 && bytes[start] <= 0x7a
      if (i === last && last > start && (!lowerOnly || lower) && this.insert(start, last, h >>> 0)) size++
      start = end + 1
    }
    this.size = size
  }

  private lineEnd(start: number): number {
    let i = start
    while (i < this.bytes.length && isAsciiLetter(this.bytes[i])) i++
    return i
  }

  /** Inserts the line [start, end) unless an equal word (case-blind) is there; true when inserted. */
  private insert(start: number, end: number, hash: number): boolean {
    const len = end - start
    for (let s = hash & this.mask; ; s = (s + 1) & this.mask) {
      const at = this.slots[s] - 1
      if (at < 0) {
        this.slots[s] = start + 1
        return true
      }
      if (this.lineEnd(at) - at !== len) continue
      let same = true
      for (let i = 0; same && i < len; i++) same = (this.bytes[at + i] & 0xdf) === (this.bytes[start + i] & 0xdf)
      if (same) return false
    }
  }

  /** Whether the list holds `word`, which must be upper case A–Z (anything else is not in the table). */
  has(word: string): boolean {
    const len = word.length
    if (len === 0) return false
    for (let i = 0; i < len; i++) {
      const c = word.charCodeAt(i)
      if (c < 0x41 || c > 0x5a) return false
    }
    for (let s = hashWord(word) & this.mask; ; s = (s + 1) & this.mask) {
      const at = this.slots[s] - 1
      if (at < 0) return false
      if (this.lineEnd(at) - at !== len) continue
      let same = true
      for (let i = 0; same && i < len; i++) same = (this.bytes[at + i] & 0xdf) === word.charCodeAt(i)
      if (same) return true
    }
  }
}
