import { describe, expect, it } from 'vitest'
import { lexicon } from '../../../src/main/read/readLines.ts'

describe('lexicon', () => {
  it("holds the person's own words, upper-cased, beside the shipped list", () => {
    const lex = lexicon(['Glyphdesk', 'qzx'])
    expect(lex.has('GLYPHDESK')).toBe(true)
    expect(lex.has('QZX')).toBe(true)
    expect(lex.has('Glyphdesk')).toBe(false) // the decoder asks in upper case
    expect(lexicon().has('GLYPHDESK')).toBe(false) // one page's words do not leak into the next page's lexicon
  })

  it('serves the shipped word list without copying it for every page', () => {
    // The same object on every call: a page read costs a lookup, not a copy of ~100 000 words.
    expect(lexicon()).toBe(lexicon())
    expect(lexicon([])).toBe(lexicon())
  })

  it('reads the shipped word list', () => {
    const lex = lexicon(['zzyzx'])
    expect(lex.has('HOUSE')).toBe(true)
    expect(lex.has('ZZYZX')).toBe(true)
  })

  it("has a common view without the list's names, with the person's words", () => {
    const lex = lexicon(['Zzyzx'])
    // Gog and Unix are in the list only capitalised: words, but not parts a run-together token splits into.
    for (const w of ['GOG', 'UNIX']) {
      expect(lex.has(w), w).toBe(true)
      expect(lex.common!.has(w), w).toBe(false)
    }
    for (const w of ['HOUSE', 'ZZYZX']) expect(lex.common!.has(w), w).toBe(true)
    expect(lexicon().common!.has('ZZYZX')).toBe(false)
    // Prefixes, for the rescue of misread words: the list's common words and the person's own.
    for (const p of ['HOU', 'HOUSE', 'ZZY', 'Z']) expect(lex.common!.hasPrefix!(p), p).toBe(true)
    for (const p of ['ZZYZXA', 'QXJ', 'GOGU', 'hou', '']) expect(lex.common!.hasPrefix!(p), p).toBe(p === '')
    expect(lexicon().common!.hasPrefix!('ZZY')).toBe(false)
  })
})
