import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { lexicon, SYSTEM_WORDLIST } from '../../../src/main/read/readLines.ts'

describe('lexicon', () => {
  it("holds the person's own words, upper-cased, beside the system list", () => {
    const lex = lexicon(['Glyphdesk', 'qzx'])
    expect(lex.has('GLYPHDESK')).toBe(true)
    expect(lex.has('QZX')).toBe(true)
    expect(lex.has('Glyphdesk')).toBe(false) // the decoder asks in upper case
    expect(lexicon().has('GLYPHDESK')).toBe(false) // one page's words do not leak into the next page's lexicon
  })

  it('serves the system word list without copying it for every page', () => {
    // The same object on every call: a page read costs a lookup, not a copy of ~100 000 words.
    expect(lexicon()).toBe(lexicon())
    expect(lexicon([])).toBe(lexicon())
  })

  it.runIf(existsSync(SYSTEM_WORDLIST))('reads the system word list when installed', () => {
    const lex = lexicon(['zzyzx'])
    expect(lex.has('HOUSE')).toBe(true)
    expect(lex.has('ZZYZX')).toBe(true)
  })
})
