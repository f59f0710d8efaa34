// Builds the page decoder's shipped lexicon (resources/lm/words.txt.gz) from Debian's wamerican word list
// (/usr/share/dict/american-english, SCOWL, a permissive licence that asks for its notice to travel with the
// list: resources/lm/WAMERICAN-LICENSE). The lexicon used to be read from the system list where it was
// installed, so a person on Windows or macOS, or on a Linux without the package, read pages with no lexicon at
// all (docs/BENCHMARKS.md, "The lexicon shipped"). The list is kept as it is, line for line and in its own case
// (its lower-case entries are the common words, read/wordTable.ts), less the lines the lexicon never reads
// (anything but ASCII letters: possessives, accented words). gzip at level 9 with no name and no time in its
// header, so the same list gives the same bytes. Writes the file and resources/lm/lexicon.json (source, version,
// sha256 of both, counts, licence, command).
//   npx tsx scripts/build-lexicon.ts [--source /usr/share/dict/american-english] [--out resources/lm]
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { lexiconLines, WordTable } from '../src/main/read/wordTable.ts'

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: '/usr/share/dict/american-english' },
    out: { type: 'string', default: 'resources/lm' }
  }
})
const source = values.source
if (!existsSync(source))
  throw new Error(
    `${source} does not exist: install Debian's wamerican (scripts/install-lm-corpus.sh) or give --source`
  )
const bytes = readFileSync(source)
const { text, kept, dropped } = lexiconLines(bytes.toString('latin1'))
const gz = gzipSync(Buffer.from(text, 'latin1'), { level: 9 })
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const version =
  spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'wamerican'], { encoding: 'utf8' }).stdout?.trim() ?? ''
writeFileSync(join(values.out, 'words.txt.gz'), gz)
const card = {
  file: 'words.txt.gz',
  sha256: sha(gz),
  bytes: gz.length,
  lines: kept,
  droppedLines: dropped,
  // Distinct words as the decoder asks for them (upper case): "Polish" and "polish" are one.
  words: new WordTable(Buffer.from(text, 'latin1')).size,
  commonWords: new WordTable(Buffer.from(text, 'latin1'), { lowerCaseOnly: true }).size,
  source: {
    package: version ? `Debian wamerican ${version}` : 'a word list given by --source',
    // The file's name only: a card names no folder of the machine that built it.
    file: basename(source),
    sha256: sha(bytes)
  },
  licence:
    "SCOWL (Spell Checker Oriented Word Lists), Copyright 2000-2011 by Kevin Atkinson and the copyrights it lists; permission to use, copy, modify, distribute and sell with its notice: resources/lm/WAMERICAN-LICENSE (Debian's copyright file of wamerican).",
  note: "Lines made only of ASCII letters, in the list's own case and order: the lines the decoder's lexicon reads (read/wordTable.ts).",
  command: 'npx tsx scripts/build-lexicon.ts'
}
writeFileSync(join(values.out, 'lexicon.json'), JSON.stringify(card, null, 2) + '\n')
console.log(`${kept} lines kept (${dropped} dropped), ${gz.length} bytes → ${join(values.out, 'words.txt.gz')}`)
