// Builds the page decoder's character language model (resources/lm/) from public English text:
//  - `--source kjv`: the King James Version of the Bible as Debian's bible-kjv-text package holds it (printed by
//    its `bible` program), public domain; chapter and verse numbers stay, they are the corpus's digits;
//  - `--source wordnet`: the glosses of Debian's wordnet-base (/usr/share/wordnet/data.*: every definition and
//    example sentence of WordNet 3.0, Princeton's licence, a permissive one that asks for its notice to travel
//    with the data: resources/lm/WORDNET-LICENSE): present-day English, where the Bible has no HOTEL or TICKET.
// scripts/install-lm-corpus.sh installs both. Each source is put in the model's alphabet (A–Z, 0–9 and single
// spaces) and split into chapters (the Bible's own; blocks of 100 glosses), and the last 5% of each source's
// chapters are held out to measure the model: the held-out cross-entropy in bits per character, per source and
// over all, is written to the manifest with the sources, their licences, the command and the size.
//   npx tsx scripts/build-char-lm.ts [--source kjv] [--source wordnet] [--corpus FILE] [--order 5] [--min-count 3]
//     [--out resources/lm]
// --corpus takes a text file instead (chapters are then blank-line separated blocks).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { CharLm, normaliseLmText, serialiseCharLm, trainCharLm } from '../src/main/read/charLm.ts'

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    source: { type: 'string', multiple: true },
    order: { type: 'string', default: '5' },
    'min-count': { type: 'string', default: '3' },
    out: { type: 'string', default: 'resources/lm' }
  }
})
const order = Number(values.order)
const minCount = Number(values['min-count'])

/** The installed version of a Debian package, as dpkg knows it ('' where it does not). */
function debianVersion(pkg: string): string {
  return spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).stdout?.trim() ?? ''
}

interface Source {
  name: string
  description: string
  licence: string
  chapters: string[]
}

function kjv(): Source {
  const r = spawnSync('bible', ['gen1:1-rev22:21'], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.error || r.status !== 0)
    throw new Error('`bible` (Debian bible-kjv + bible-kjv-text) is missing: run scripts/install-lm-corpus.sh')
  // `bible` prints a "Book N" header line ("Genesis 1", "1 Samuel 3") before each chapter. Headers are dropped:
  // "Genesis 10" followed by verse "1" would teach the model that a number is often followed by another one.
  const chapters = r.stdout
    .split(/\n(?=(?:[1-3] )?[A-Z][A-Za-z ]* \d+\n)/)
    .map((c) => c.replace(/^\s*(?:[1-3] )?[A-Z][A-Za-z ]* \d+\n/, ''))
  return {
    name: 'kjv',
    description: `Debian bible-kjv-text ${debianVersion('bible-kjv-text')} (King James Version, printed by \`bible gen1:1-rev22:21\`)`,
    licence:
      'The King James Version text is in the public domain (translated 1611; Debian copyright file of bible-kjv-text: "The copyright for the King James Version text of the Bible is expired").',
    chapters
  }
}

const WORDNET_DIR = '/usr/share/wordnet'
function wordnet(): Source {
  const glosses: string[] = []
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const file = join(WORDNET_DIR, `data.${pos}`)
    if (!existsSync(file)) throw new Error(`${file} is missing (Debian wordnet-base): run scripts/install-lm-corpus.sh`)
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      // Data lines start with the synset's offset; the licence header's lines start with spaces.
      if (!/^\d{8} /.test(line)) continue
      const bar = line.indexOf(' | ')
      if (bar >= 0) glosses.push(line.slice(bar + 3))
    }
  }
  const chapters: string[] = []
  for (let i = 0; i < glosses.length; i += 100) chapters.push(glosses.slice(i, i + 100).join(' '))
  return {
    name: 'wordnet',
    description: `Debian wordnet-base ${debianVersion('wordnet-base')} (WordNet 3.0 glosses: definitions and examples of ${WORDNET_DIR}/data.{noun,verb,adj,adv})`,
    licence:
      'WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Used under the WordNet 3.0 licence (permission to use, copy, modify and distribute for any purpose without fee, with its notice): resources/lm/WORDNET-LICENSE.',
    chapters
  }
}

const sources: Source[] = values.corpus
  ? [
      {
        name: 'corpus',
        // The file's name only: a manifest that ships names no folder of the machine it was built on.
        description: basename(values.corpus),
        licence: 'as the file says',
        chapters: readFileSync(values.corpus, 'utf8').split(/\n\s*\n/)
      }
    ]
  : (values.source ?? ['kjv']).map((s) => {
      if (s === 'kjv') return kjv()
      if (s === 'wordnet') return wordnet()
      throw new Error(`--source ${s}: expected kjv or wordnet`)
    })
const train: string[] = [],
  heldBySource: string[][] = []
const counts: Record<string, { chapters: number; trainChapters: number; trainChars: number; heldOutChars: number }> = {}
for (const src of sources) {
  const chapters = src.chapters.map(normaliseLmText).filter((t) => t.length > 0)
  const cut = Math.floor(chapters.length * 0.95)
  train.push(...chapters.slice(0, cut))
  heldBySource.push(chapters.slice(cut))
  counts[src.name] = {
    chapters: chapters.length,
    trainChapters: cut,
    trainChars: chapters.slice(0, cut).reduce((s, t) => s + t.length, 0),
    heldOutChars: chapters.slice(cut).reduce((s, t) => s + t.length, 0)
  }
}
const data = trainCharLm(train, order, minCount)
const lm = new CharLm(data)
let bits = 0,
  n = 0
const bitsPerSource: Record<string, number> = {}
sources.forEach((src, k) => {
  let b = 0,
    m = 0
  for (const t of heldBySource[k]) {
    for (let i = 0; i < t.length; i++) {
      b -= lm.logProb(t.slice(Math.max(0, i - order + 1), i), t[i]) / Math.LN2
      m++
    }
  }
  bits += b
  n += m
  bitsPerSource[src.name] = Number((b / Math.max(1, m)).toFixed(4))
})
// Version 2 of the file (charLm.ts#serialiseCharLm): the rows as lines of text, which load in a few ms.
const json = serialiseCharLm({ ...data, heldOutNatsPerChar: Number(((bits / n) * Math.LN2).toFixed(4)) })
const gz = gzipSync(Buffer.from(json), { level: 9 })
mkdirSync(values.out, { recursive: true })
const file = `char${order}.json.gz`
writeFileSync(join(values.out, file), gz)
const manifest = {
  file,
  sha256: createHash('sha256').update(gz).digest('hex'),
  bytes: statSync(join(values.out, file)).size,
  order,
  smoothing: 'interpolated Witten-Bell; counts below minCount pruned in contexts of 2+ characters',
  minCount,
  contexts: data.contexts.length,
  source: sources.map((s) => s.description).join('; '),
  licence: sources.map((s) => s.licence).join(' '),
  corpus: counts,
  heldOutBitsPerSource: bitsPerSource,
  heldOutBitsPerChar: Number((bits / n).toFixed(4)),
  command: `npx tsx scripts/build-char-lm.ts ${sources.map((s) => (s.name === 'corpus' ? '--corpus FILE' : `--source ${s.name}`)).join(' ')} --order ${order} --min-count ${minCount}`
}
writeFileSync(join(values.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
process.stdout.write(JSON.stringify(manifest, null, 2) + '\n')
