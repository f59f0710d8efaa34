import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CharLm,
  LM_ALPHABET,
  loadCharLm,
  normaliseLmText,
  serialiseCharLm,
  trainCharLm
} from '../../../src/main/read/charLm.ts'

const V = 37
const U = 1 / V

describe('character n-gram model (interpolated Witten–Bell)', () => {
  it('matches probabilities computed by hand on a two-character corpus', () => {
    // Corpus "AB", order 2. Empty context: A once, B once → C = 2, T = 2. Context "A": B once → C = 1, T = 1.
    const lm = new CharLm(trainCharLm(['AB'], 2))
    const pA = (1 + 2 * U) / (2 + 2)
    const pC = (0 + 2 * U) / (2 + 2)
    expect(Math.exp(lm.logProb('', 'A'))).toBeCloseTo(pA, 12)
    expect(Math.exp(lm.logProb('', 'C'))).toBeCloseTo(pC, 12)
    // P(B | A) = (C(AB) + T(A) · P(B)) / (C(A) + T(A)), P(B) = P(A) by symmetry.
    expect(Math.exp(lm.logProb('A', 'B'))).toBeCloseTo((1 + 1 * pA) / 2, 12)
    expect(Math.exp(lm.logProb('A', 'C'))).toBeCloseTo((0 + 1 * pC) / 2, 12)
    // "B" was never followed by anything: its distribution is the unigram one.
    expect(Math.exp(lm.logProb('B', 'A'))).toBeCloseTo(pA, 12)
    // Only the last order − 1 characters count.
    expect(lm.logProb('ZZA', 'B')).toBe(lm.logProb('A', 'B'))
  })

  it('pruning moves the dropped counts to the lower order and keeps every distribution summing to one', () => {
    // "ABABAC", order 3, minCount 2. Trigram contexts: AB→A twice; BA→B once, BA→C once (both pruned).
    const data = trainCharLm(['ABABAC'], 3, 2)
    const lm = new CharLm(data)
    const full = new CharLm(trainCharLm(['ABABAC'], 3, 1))
    expect(data.contexts.map((c) => c[0])).not.toContain('BA')
    // Context BA dropped: P(C | BA) is P(C | A) (which the full model's bigram level gives too).
    expect(lm.logProb('BA', 'C')).toBeCloseTo(full.logProb('A', 'C'), 12)
    // Context AB kept (A twice, T = 1, nothing pruned): (2 + 1 · P(A | B)) / 3.
    expect(Math.exp(lm.logProb('AB', 'A'))).toBeCloseTo((2 + Math.exp(lm.logProb('B', 'A'))) / 3, 12)
    // Unigrams: A 3, B 2, C 1 → C = 6, T = 3; bigram B→A twice → C = 2, T = 1.
    const pA1 = (3 + 3 * U) / 9
    expect(Math.exp(lm.logProb('B', 'A'))).toBeCloseTo((2 + pA1) / 3, 12)
    for (const ctx of ['', 'A', 'AB', 'BA', 'QQ', 'A ']) {
      const s = [...LM_ALPHABET].reduce((t, c) => t + Math.exp(lm.logProb(ctx, c)), 0)
      expect(s).toBeCloseTo(1, 12)
    }
  })

  it('puts text into its alphabet', () => {
    expect(normaliseLmText("  In the beginning, God's 1st day...\n")).toBe('IN THE BEGINNING GOD S 1ST DAY')
  })

  it('the shipped model prefers English to a look-alike misreading, and digits after digits', () => {
    const path = join(import.meta.dirname, '../../../resources/lm/char5.json.gz')
    expect(existsSync(path)).toBe(true)
    const lm = loadCharLm(path)
    expect(Math.exp(lm.logProb(' THE', ' '))).toBeGreaterThan(0.3)
    expect(lm.logProb(' TH', 'E')).toBeGreaterThan(lm.logProb(' TH', '8'))
    expect(lm.logProb(' 1', '2')).toBeGreaterThan(lm.logProb(' 1', 'Z'))
  })

  it('the shipped model file is the one its manifest describes, and its licences travel with it', () => {
    const dir = join(import.meta.dirname, '../../../resources/lm')
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      file: string
      sha256: string
      bytes: number
      order: number
      contexts: number
      source: string
      heldOutBitsPerChar: number
    }
    const bytes = readFileSync(join(dir, manifest.file))
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256)
    expect(bytes.length).toBe(manifest.bytes)
    const lm = loadCharLm(join(dir, manifest.file))
    expect(lm.order).toBe(manifest.order)
    // The file's own cross-entropy (nats, which the decoder's segment bonus uses) is the manifest's (bits).
    expect(lm.natsPerChar! / Math.LN2).toBeCloseTo(manifest.heldOutBitsPerChar, 3)
    // WordNet's licence asks for its notice beside any copy of what is made from it.
    if (/wordnet/i.test(manifest.source)) {
      const notice = readFileSync(join(dir, 'WORDNET-LICENSE'), 'utf8')
      expect(notice).toContain('WordNet 3.0 Copyright 2006 by Princeton University')
    }
  })

  it('reads digits as one class when asked: any digit after the context, over ten; the rest unchanged', () => {
    // "A1 A2 A3 B0", order 2: after "A" the digits 1, 2, 3 once each; after "B" only 0.
    const data = trainCharLm(['A1 A2 A3 B0'], 2)
    const apart = new CharLm(data)
    const cls = new CharLm(data, undefined, { digitClass: true })
    const digits = '0123456789'.split('')
    for (const ctx of ['', 'A', 'B', '1', ' ']) {
      const any = digits.reduce((t, d) => t + Math.exp(apart.logProb(ctx, d)), 0)
      for (const d of digits) expect(Math.exp(cls.logProb(ctx, d))).toBeCloseTo(any / 10, 12)
      for (const c of 'ABZ ') expect(cls.logProb(ctx, c)).toBe(apart.logProb(ctx, c))
      const sum = [...LM_ALPHABET].reduce((t, c) => t + Math.exp(cls.logProb(ctx, c)), 0)
      expect(sum).toBeCloseTo(1, 12)
    }
    // Read one by one, a 0 after "A" is far less likely than a 1; as a class, they are equal.
    expect(apart.logProb('A', '0')).toBeLessThan(apart.logProb('A', '1') - 1)
    expect(cls.logProb('A', '0')).toBe(cls.logProb('A', '1'))
    // loadCharLm passes the option on.
    const dir = mkdtempSync(join(tmpdir(), 'lm-class-'))
    writeFileSync(join(dir, 'm.json'), serialiseCharLm(data))
    expect(loadCharLm(join(dir, 'm.json'), { digitClass: true }).logProb('B', '7')).toBe(cls.logProb('B', '7'))
    expect(loadCharLm(join(dir, 'm.json')).logProb('B', '7')).toBe(apart.logProb('B', '7'))
  })

  it('the shipped model, digits as a class, no longer holds a lone 0 or a 0 in a number against the reader', () => {
    const path = join(import.meta.dirname, '../../../resources/lm/char5.json.gz')
    const apart = loadCharLm(path)
    const cls = loadCharLm(path, { digitClass: true })
    const score = (lm: CharLm, s: string) => {
      let ctx = ' ',
        t = 0
      for (const c of s + ' ') {
        t += lm.logProb(ctx.slice(-(lm.order - 1)), c)
        ctx += c
      }
      return t
    }
    // Its digits are the King James text's verse numbers (no lone 0 there, many a vocative O) and the numbers of
    // WordNet's glosses, mostly years and quantities: read one by one, a lone 0 is still e^2.6 times less likely
    // than a lone O (−10.2 against −7.6), and a number starting 00 far less likely than as a class.
    expect(score(apart, 'O') - score(apart, '0')).toBeGreaterThan(2)
    expect(Math.abs(score(cls, 'O') - score(cls, '0'))).toBeLessThan(1.5) // −7.6 and −7.4
    expect(score(cls, '0044')).toBeGreaterThan(score(apart, '0044') + 5) // −18.4 against −25.3
    // A number is still likelier as digits than as the letters that look like them, and a word as letters.
    expect(score(cls, '2000')).toBeGreaterThan(score(cls, '2OOO') + 2)
    expect(score(cls, 'ROOM')).toBeGreaterThan(score(cls, 'R00M') + 20)
  })

  it('refuses a model file whose header or rows are malformed, naming where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glyphdesk-lm-'))
    const good = trainCharLm(['ABABAC'], 3, 1)
    const write = (name: string, data: unknown) => {
      const p = join(dir, name)
      writeFileSync(p, JSON.stringify(data))
      return p
    }
    // A well-formed file loads and gives the same probabilities as the model built in memory.
    const ok = loadCharLm(write('ok.json', good))
    expect(ok.logProb('AB', 'A')).toBe(new CharLm(good).logProb('AB', 'A'))
    const rows = good.contexts
    const bad: [string, unknown[]][] = [
      ['count.json', [...rows.slice(0, 1), [rows[1][0], rows[1][1], rows[1][2], rows[1][3], [1.5]]]],
      ['short.json', [...rows.slice(0, 1), [rows[1][0], rows[1][1]]]],
      ['char.json', [...rows.slice(0, 1), [rows[1][0], 2, 1, 'a', [2]]]],
      ['lengths.json', [...rows.slice(0, 1), [rows[1][0], 2, 2, 'AB', [2]]]]
    ]
    for (const [name, contexts] of bad)
      expect(() => loadCharLm(write(name, { ...good, contexts }))).toThrow(/contexts\.1 is not a context row/)
    expect(() => loadCharLm(write('order.json', { ...good, order: 0 }))).toThrow(/order/)
    expect(() => loadCharLm(write('nouni.json', { ...good, contexts: rows.slice(1) }))).toThrow(/unigram/)
  })

  it('writes the compact version-2 file and reads back the same model; malformed row lines are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glyphdesk-lm2-'))
    const data = trainCharLm(['THE CAT SAT ON THE MAT 1984', 'A CAT 2 MATS', 'THAT HAT'], 4, 2)
    const p = join(dir, 'lm.json')
    writeFileSync(p, serialiseCharLm(data))
    const text = readFileSync(p, 'utf8')
    expect(JSON.parse(text)).toMatchObject({ format: 'glyphdesk-char-lm', version: 2, order: 4 })
    const back = loadCharLm(p)
    const mem = new CharLm(data)
    // Every stored context and its extensions give identical distributions.
    for (const [h] of data.contexts)
      for (const c of [h, `${h}A`, `Q${h}`])
        expect(Array.from(back.distribution(c))).toEqual(Array.from(mem.distribution(c)))
    const lines: string[] = JSON.parse(text).rows.split('\n')
    const bad: [string, string][] = [
      ['tabs', lines[1].replace(/\t[^\t]*$/, '')],
      ['counts', lines[1].replace(/\t([^\t]*)$/, '\t$1,7')],
      ['char', lines[1].replace(/\t([A-Z0-9 ]+)\t/, '\ta\t')],
      ['number', lines[1].replace(/\t(\d+)\t/, '\t1.5\t')]
    ]
    for (const [name, line] of bad) {
      const f = join(dir, `${name}.json`)
      writeFileSync(f, JSON.stringify({ ...JSON.parse(text), rows: [lines[0], line, ...lines.slice(2)].join('\n') }))
      expect(() => loadCharLm(f), name).toThrow(/rows line 2 is not a context row/)
    }
    // A character outside ASCII whose low byte is in the alphabet (Ł, U+0141: 0x41 is A) is refused like any other.
    const accented = join(dir, 'accented.json')
    writeFileSync(
      accented,
      JSON.stringify({ ...JSON.parse(text), rows: [lines[0], `\u0141${lines[1]}`, ...lines.slice(2)].join('\n') })
    )
    expect(() => loadCharLm(accented)).toThrow(/rows line 2 is not a context row/)
    // Rows stand sorted by context (a lookup is a binary search): a swapped or repeated line is named.
    for (const [name, rows] of [
      ['swapped', [lines[0], lines[2], lines[1], ...lines.slice(3)]],
      ['repeated', [lines[0], lines[1], lines[1], ...lines.slice(2)]]
    ] as const) {
      const f = join(dir, `${name}.json`)
      writeFileSync(f, JSON.stringify({ ...JSON.parse(text), rows: rows.join('\n') }))
      expect(() => loadCharLm(f), name).toThrow(/rows line 3 is out of order/)
    }
    const noUni = join(dir, 'nouni2.json')
    writeFileSync(noUni, JSON.stringify({ ...JSON.parse(text), rows: lines.slice(1).join('\n') }))
    expect(() => loadCharLm(noUni)).toThrow(/unigram/)
  })
})
