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

const isLowerAscii = (b: number): boolean => b >= 0x61 && b <= 0x7a

/** Calls `line(start, end)` for every line of `bytes`, `end` before its newline (and a CR before that). */
function eachLine(bytes: Uint8Array, line: (start: number, end: number) => void): void {
  let start = 0
  while (start < bytes.length) {
    let end = bytes.indexOf(NL, start)
    if (end < 0) end = bytes.length
    line(start, end > start && bytes[end - 1] === CR ? end - 1 : end)
    start = end + 1
  }
}

/** Open-addressing table size for n entries: a power of two, at most half full. */
function capacityFor(n: number): number {
  let cap = 16
  while (cap < n * 2) cap <<= 1
  return cap
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
    const cap = capacityFor(lines)
    this.slots = new Int32Array(cap)
    this.mask = cap - 1
    let size = 0
    eachLine(bytes, (start, last) => {
      // One pass: the line is a word when every byte is a letter; its hash is computed on the way.
      let h = 0x811c9dc5
      let i = start
      for (; i < last; i++) {
        const u = bytes[i] & 0xdf
        if (u < 0x41 || u > 0x5a) break
        h = Math.imul(h ^ u, 0x01000193)
      }
      if (i === last && last > start && (!lowerOnly || isLowerAscii(bytes[start])) && this.insert(start, last, h >>> 0))
        size++
    })
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

/**
 * Every prefix of a word list's lower-case words (its common words, as `WordTable`'s `lowerCaseOnly`), for a
 * search that must stay on the way to a word (read/wordRescue.ts). Like WordTable it keeps the list's bytes and
 * hashes ranges of them: a prefix is stored once, as the offset and length of its first occurrence, and its
 * hash is the running FNV-1a of the word's letters, so one pass over each word inserts all its prefixes (a Set
 * of the ~145 000 prefix strings took ~220 ms to build).
 */
export class PrefixTable {
  private readonly starts: Int32Array
  private readonly lengths: Uint8Array
  private readonly mask: number
  readonly size: number

  constructor(private readonly bytes: Uint8Array) {
    let letters = 0
    for (let i = 0; i < bytes.length; i++) if (isAsciiLetter(bytes[i])) letters++
    const cap = capacityFor(letters)
    this.starts = new Int32Array(cap)
    this.lengths = new Uint8Array(cap)
    this.mask = cap - 1
    let size = 0
    eachLine(bytes, (start, last) => {
      let i = start
      while (i < last && isAsciiLetter(bytes[i])) i++
      if (i !== last || last === start || !isLowerAscii(bytes[start]) || last - start > 255) return
      let h = 0x811c9dc5
      for (let k = start; k < last; k++) {
        h = Math.imul(h ^ (bytes[k] & 0xdf), 0x01000193)
        if (this.insert(start, k - start + 1, h >>> 0)) size++
      }
    })
    this.size = size
  }

  private same(at: number, len: number, start: number): boolean {
    for (let i = 0; i < len; i++) if ((this.bytes[at + i] & 0xdf) !== (this.bytes[start + i] & 0xdf)) return false
    return true
  }

  private insert(start: number, len: number, hash: number): boolean {
    for (let s = hash & this.mask; ; s = (s + 1) & this.mask) {
      if (this.lengths[s] === 0) {
        this.starts[s] = start
        this.lengths[s] = len
        return true
      }
      if (this.lengths[s] === len && this.same(this.starts[s], len, start)) return false
    }
  }

  /** Whether some word of the list begins with `prefix` (upper case A–Z; the empty prefix: true). */
  hasPrefix(prefix: string): boolean {
    const len = prefix.length
    if (len === 0) return this.size > 0
    if (len > 255) return false
    for (let i = 0; i < len; i++) {
      const c = prefix.charCodeAt(i)
      if (c < 0x41 || c > 0x5a) return false
    }
    for (let s = hashWord(prefix) & this.mask; ; s = (s + 1) & this.mask) {
      if (this.lengths[s] === 0) return false
      if (this.lengths[s] !== len) continue
      const at = this.starts[s]
      let same = true
      for (let i = 0; same && i < len; i++) same = (this.bytes[at + i] & 0xdf) === prefix.charCodeAt(i)
      if (same) return true
    }
  }
}

/**
 * The lines of a word list the lexicon reads (made only of ASCII letters, in their own case and order), one per
 * line with a final newline, and how many lines were kept and dropped: what scripts/build-lexicon.ts ships.
 * A WordTable or PrefixTable of the result holds exactly what one of the whole list holds.
 */
export function lexiconLines(list: string): { text: string; kept: number; dropped: number } {
  const kept: string[] = []
  let dropped = 0
  for (const raw of list.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.length === 0) continue
    if (/^[A-Za-z]+$/.test(line)) kept.push(line)
    else dropped++
  }
  return { text: kept.map((w) => w + '\n').join(''), kept: kept.length, dropped }
}
