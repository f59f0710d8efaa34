// Where the reading errors of a hard page set are: by the kind of token the character belongs to (a lexicon word,
// a pseudo-word, a number, a letter–digit code), by the source its glyph was drawn from (a font family, or the NIST
// letters), and the commonest confusions. Reads what `glyphdesk eval-pages DIR --json` wrote for a set made by
// `glyphdesk data pages` (its manifest says each character's source), aligns each page's text with its truth
// (spaces left out, as the CER without spaces), and charges every substitution and deletion to the true character.
// Insertions count in the total only. Characters lost outright (no reading at all) are listed by page condition.
//   node bin/glyphdesk.mjs eval-pages DIR --json > DIR.json
//   npx tsx bench/error-breakdown.ts DIR DIR.json [DIR2 DIR2.json …] [--show KIND]
// --show KIND (number, 'letter–digit code' or code, lexicon word, other letters) lists that kind's misread tokens.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { alignChars } from '../src/main/read/evalPages.ts'
import { lexicon } from '../src/main/read/readLines.ts'

interface EvalJson {
  pages: { name: string; text: string }[]
}
interface Manifest {
  sources: { table: string[] }
  pages: { file: string; text: string; condition?: string; chars: [string, number, number, number, number, number][] }[]
}

function tokenKind(word: string, words: { has(w: string): boolean }): string {
  if (/^\d+$/.test(word)) return 'number'
  if (/\d/.test(word)) return 'letter–digit code'
  return words.has(word) ? 'lexicon word' : 'other letters'
}

function sourceName(entry: string): string {
  if (entry.startsWith('nist')) return 'NIST letters'
  if (entry.startsWith('digits#')) return 'real digits (data pages --digits)'
  return entry.replace(/ (Regular|Bold|Italic|Bold Italic)$/, '')
}

async function main() {
  const args = process.argv.slice(2)
  const at = args.indexOf('--show')
  const showArg = at >= 0 ? args.splice(at, 2)[1] : undefined
  const show = showArg === 'code' ? 'letter–digit code' : showArg
  if (args.length === 0 || args.length % 2 !== 0)
    throw new Error('usage: npx tsx bench/error-breakdown.ts DIR EVAL.json [DIR EVAL.json …]')
  const words = lexicon()
  const tally = (m: Map<string, [number, number]>, k: string, err: boolean) => {
    const t = m.get(k) ?? [0, 0]
    t[0] += err ? 1 : 0
    t[1]++
    m.set(k, t)
  }
  const byKind = new Map<string, [number, number]>(),
    bySource = new Map<string, [number, number]>()
  const pairs = new Map<string, number>()
  const pairsBySource = new Map<string, Map<string, number>>()
  const lostByCondition = new Map<string, Map<string, number>>()
  let errors = 0,
    chars = 0,
    insertions = 0
  for (let a = 0; a < args.length; a += 2) {
    const dir = args[a]
    const evald = JSON.parse(readFileSync(args[a + 1], 'utf8')) as EvalJson
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
    const pages = new Map(manifest.pages.map((p) => [p.file.replace(/\.[a-z]+$/, ''), p]))
    for (const page of evald.pages) {
      const truthPage = pages.get(page.name)
      if (!truthPage || truthPage.chars.length === 0) continue
      const truth = readFileSync(join(dir, truthPage.text), 'utf8')
      // Each true character with the token it stands in.
      const kinds: string[] = []
      for (const w of truth.split(/\s+/).filter((t) => t.length > 0)) for (const _ of w) kinds.push(tokenKind(w, words))
      const flat = truth.replace(/\s+/g, '')
      if (flat.length !== truthPage.chars.length || kinds.length !== flat.length)
        throw new Error(`${dir}/${page.name}: the manifest's characters do not match the truth text`)
      const { became, extra } = alignChars(page.text.replace(/\s+/g, ''), flat)
      if (show) {
        let at = 0
        for (const w of truth.split(/\s+/).filter((t) => t.length > 0)) {
          const got = became
            .slice(at, at + w.length)
            .map((c) => c || '_')
            .join('')
          if (got !== w && tokenKind(w, words) === show) console.log(`  ${page.name}: ${w} read ${got}`)
          at += w.length
        }
      }
      for (let k = 0; k < flat.length; k++) {
        const err = became[k] !== flat[k]
        tally(byKind, kinds[k], err)
        const source = sourceName(manifest.sources.table[truthPage.chars[k][5]] ?? '?')
        tally(bySource, source, err)
        if (err) {
          const key = `${flat[k]} → ${became[k] || '(none)'}`
          pairs.set(key, (pairs.get(key) ?? 0) + 1)
          const own = pairsBySource.get(source) ?? new Map<string, number>()
          own.set(key, (own.get(key) ?? 0) + 1)
          pairsBySource.set(source, own)
          if (!became[k]) {
            const cond = truthPage.condition ?? '?'
            const lost = lostByCondition.get(cond) ?? new Map<string, number>()
            lost.set(flat[k], (lost.get(flat[k]) ?? 0) + 1)
            lostByCondition.set(cond, lost)
          }
          errors++
        }
        chars++
      }
      insertions += extra
    }
  }
  const rows = (m: Map<string, [number, number]>) =>
    [...m.entries()]
      .sort((x, y) => y[1][0] - x[1][0])
      .map(([k, [e, n]]) => `| ${k} | ${e} | ${n} | ${((100 * e) / n).toFixed(1)}% |`)
      .join('\n')
  console.log(
    `${chars} characters, ${errors} read wrong or lost, ${insertions} inserted (CER without spaces ${(
      (100 * (errors + insertions)) /
      chars
    ).toFixed(2)}%)\n`
  )
  console.log(`| token kind | errors | characters | rate |\n|---|---:|---:|---:|\n${rows(byKind)}\n`)
  console.log(`| source | errors | characters | rate |\n|---|---:|---:|---:|\n${rows(bySource)}\n`)
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  console.log('commonest confusions: ' + top(pairs, 15))
  for (const [source, m] of [...pairsBySource].sort()) console.log(`  ${source}: ${top(m, 8)}`)
  const lostTotal = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  console.log('characters lost (no reading at all), by condition:')
  for (const [cond, m] of [...lostByCondition].sort((x, y) => lostTotal(y[1]) - lostTotal(x[1])))
    console.log(`  ${cond}: ${lostTotal(m)} (${top(m, 6)})`)
}

if (process.argv[1]?.endsWith('error-breakdown.ts')) await main()
