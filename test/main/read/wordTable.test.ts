import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { DEFAULT_WORDLIST_PATH } from '../../../src/main/read/readLines.ts'
import { lexiconLines, PrefixTable, WordTable } from '../../../src/main/read/wordTable.ts'
import { mulberry32 } from '../helpers/rng.ts'

/** The word list shipped in resources/lm (scripts/build-lexicon.ts), unpacked. */
const shippedList = () => gunzipSync(readFileSync(DEFAULT_WORDLIST_PATH))
/** Debian's wamerican, which the shipped list is built from (installed by scripts/install-test-deps.sh). */
const SYSTEM_WORDLIST = '/usr/share/dict/american-english'

/** The lexicon as it was built before WordTable: every line of letters only, upper-cased, in a Set. */
function referenceSet(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((w) => /^[A-Za-z]+$/.test(w))
      .map((w) => w.toUpperCase())
  )
}

const table = (text: string) => new WordTable(new TextEncoder().encode(text))

describe('PrefixTable', () => {
  it("holds every prefix of the list's lower-case words of letters, and nothing else", () => {
    const t = new PrefixTable(new TextEncoder().encode("sport\nspot\nGog\ncat's\nab1\nzebra\r\n"))
    const expected = new Set(['S', 'SP', 'SPO', 'SPOR', 'SPORT', 'SPOT', 'Z', 'ZE', 'ZEB', 'ZEBR', 'ZEBRA'])
    expect(t.size).toBe(expected.size)
    for (const p of expected) expect(t.hasPrefix(p), p).toBe(true)
    for (const p of ['G', 'GOG', 'C', 'CAT', 'A', 'AB', 'SPORTS', 'SPOTS', 'sp', 'ZEBRA\r', 'S1'])
      expect(t.hasPrefix(p), p).toBe(false)
  })

  it('agrees with a Set of the prefixes of the shipped list', () => {
    const bytes = shippedList()
    const t = new PrefixTable(bytes)
    const ref = new Set<string>()
    for (const w of bytes.toString('latin1').split('\n'))
      if (/^[a-z][a-zA-Z]*$/.test(w)) for (let i = 1; i <= w.length; i++) ref.add(w.slice(0, i).toUpperCase())
    expect(t.size).toBe(ref.size)
    const rng = mulberry32(3)
    const sample = [...ref].filter(() => rng() < 0.05)
    for (const p of sample) expect(t.hasPrefix(p)).toBe(true)
    // Random strings: the table and the Set agree.
    for (let i = 0; i < 5000; i++) {
      const p = Array.from({ length: 1 + Math.floor(rng() * 6) }, () =>
        String.fromCharCode(65 + Math.floor(rng() * 26))
      ).join('')
      expect(t.hasPrefix(p), p).toBe(ref.has(p))
    }
  })
})

describe('WordTable', () => {
  it('keeps only the lower-case lines when asked (a word list without its names)', () => {
    const t = new WordTable(new TextEncoder().encode('Gog\ngo\nUnix\nunit\nBob\nbob\n'), { lowerCaseOnly: true })
    expect(t.size).toBe(3)
    for (const w of ['GO', 'UNIT', 'BOB']) expect(t.has(w), w).toBe(true)
    for (const w of ['GOG', 'UNIX']) expect(t.has(w), w).toBe(false)
  })

  it('holds the lines of letters, case-blind, and nothing else', () => {
    const t = table("house\nHouse\ncat's\nnaïve\nZebra\r\nab1\n\nA\nend")
    expect(t.has('HOUSE')).toBe(true)
    expect(t.has('ZEBRA')).toBe(true) // a CRLF line
    expect(t.has('A')).toBe(true)
    expect(t.has('END')).toBe(true) // the last line has no newline
    expect(t.size).toBe(4) // house and House are one word
    for (const w of ['CATS', "CAT'S", 'NAVE', 'AB', 'AB1', '', 'HOUS', 'HOUSES', 'house', 'ZEBRA\r', 'EN']) {
      expect(t.has(w), w).toBe(false)
    }
  })

  it('agrees with the Set of upper-cased words on random lists and queries', () => {
    const rnd = mulberry32(7)
    const pick = (s: string) => s[Math.floor(rnd() * s.length)]
    const word = () => Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => pick('abcABCxyz')).join('')
    for (let trial = 0; trial < 50; trial++) {
      const lines = Array.from({ length: Math.floor(rnd() * 200) }, () =>
        rnd() < 0.1 ? word() + pick("'1é ") : word()
      )
      const text = lines.join(rnd() < 0.5 ? '\n' : '\r\n')
      const ref = referenceSet(text)
      const t = table(text)
      expect(t.size).toBe(ref.size)
      for (const w of ref) expect(t.has(w), w).toBe(true)
      for (let q = 0; q < 200; q++) {
        const w = word().toUpperCase()
        expect(t.has(w), w).toBe(ref.has(w))
      }
    }
  })

  it('holds exactly the words the Set held for the shipped list', () => {
    const bytes = shippedList()
    const ref = referenceSet(bytes.toString('utf8'))
    const t = new WordTable(bytes)
    expect(t.size).toBe(ref.size)
    for (const w of ref) if (!t.has(w)) expect.fail(`missing ${w}`)
    // Words one letter off the list's words, checked both ways.
    const rnd = mulberry32(3)
    let asked = 0
    for (const w of ref) {
      if (rnd() > 0.05) continue
      const i = Math.floor(rnd() * w.length)
      const v = w.slice(0, i) + String.fromCharCode(65 + Math.floor(rnd() * 26)) + w.slice(i + 1)
      expect(t.has(v), v).toBe(ref.has(v))
      asked++
    }
    expect(asked).toBeGreaterThan(1000)
  })
})

describe('the shipped word list', () => {
  it('keeps the lines made only of ASCII letters, in their case and order, and counts the others', () => {
    const list = "Aachen\nAachen's\nabbey\r\n\nÅngström\nzebra\nX1\nUNIX\n"
    expect(lexiconLines(list)).toEqual({ text: 'Aachen\nabbey\nzebra\nUNIX\n', kept: 4, dropped: 3 })
    // A table of the kept lines holds what a table of the whole list holds.
    const whole = new WordTable(Buffer.from(list, 'latin1')),
      kept = new WordTable(Buffer.from(lexiconLines(list).text, 'latin1'))
    expect([kept.size, kept.has('ABBEY'), kept.has('UNIX'), kept.has('X1')]).toEqual([whole.size, true, true, false])
  })

  it('is the file its card describes', () => {
    const card = JSON.parse(readFileSync(join(DEFAULT_WORDLIST_PATH, '..', 'lexicon.json'), 'utf8')) as {
      sha256: string
      words: number
    }
    const gz = readFileSync(DEFAULT_WORDLIST_PATH)
    expect(createHash('sha256').update(gz).digest('hex')).toBe(card.sha256)
    expect(new WordTable(shippedList()).size).toBe(card.words)
    expect(card.words).toBeGreaterThan(50_000)
  })

  // Where wamerican is installed (always under the test command as root), the shipped list reads exactly as it.
  it.runIf(existsSync(SYSTEM_WORDLIST))(
    'holds the same words and common words as the system list it was built from',
    () => {
      const system = readFileSync(SYSTEM_WORDLIST),
        shipped = shippedList()
      expect(shipped.equals(Buffer.from(lexiconLines(system.toString('latin1')).text, 'latin1'))).toBe(true)
      expect(new WordTable(shipped).size).toBe(new WordTable(system).size)
      expect(new WordTable(shipped, { lowerCaseOnly: true }).size).toBe(
        new WordTable(system, { lowerCaseOnly: true }).size
      )
      expect(new PrefixTable(shipped).size).toBe(new PrefixTable(system).size)
    }
  )
})
