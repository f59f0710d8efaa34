// Builds the page decoder's character language model (resources/lm/) from a public-domain English text:
// the King James Version of the Bible as Debian's bible-kjv-text package holds it (printed by its
// `bible` program; scripts/install-lm-corpus.sh installs both). The text is put in the model's alphabet
// (A–Z, 0–9 — chapter and verse numbers stay, they are the corpus's digits — and single spaces), split
// into chapters, and the last 5% of chapters are held out to measure the model: the held-out cross-entropy
// in bits per character is written to the manifest with the source, its licence, the command and the size.
//   npx tsx scripts/build-char-lm.ts [--corpus FILE] [--order 5] [--min-count 3] [--out resources/lm]
// --corpus takes a text file instead of running `bible` (chapters are then blank-line separated blocks).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { CharLm, normaliseLmText, serialiseCharLm, trainCharLm } from '../src/main/read/charLm.ts'

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    order: { type: 'string', default: '5' },
    'min-count': { type: 'string', default: '3' },
    out: { type: 'string', default: 'resources/lm' }
  }
})
const order = Number(values.order)
const minCount = Number(values['min-count'])

let raw: string
let source: string
if (values.corpus) {
  raw = readFileSync(values.corpus, 'utf8')
  source = values.corpus
} else {
  const r = spawnSync('bible', ['gen1:1-rev22:21'], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.error || r.status !== 0)
    throw new Error('`bible` (Debian bible-kjv + bible-kjv-text) is missing: run scripts/install-lm-corpus.sh')
  raw = r.stdout
  const v = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'bible-kjv-text'], { encoding: 'utf8' })
  source = `Debian bible-kjv-text ${v.stdout.trim()} (King James Version, printed by \`bible gen1:1-rev22:21\`)`
}
// `bible` prints a "Book N" header line ("Genesis 1", "1 Samuel 3") before each chapter; --corpus files
// use blank lines. Headers are dropped: "Genesis 10" followed by verse "1" would teach the model that a
// number is often followed by another one after a space.
const chapters = (
  values.corpus
    ? raw.split(/\n\s*\n/)
    : raw
        .split(/\n(?=(?:[1-3] )?[A-Z][A-Za-z ]* \d+\n)/)
        .map((c) => c.replace(/^\s*(?:[1-3] )?[A-Z][A-Za-z ]* \d+\n/, ''))
)
  .map(normaliseLmText)
  .filter((t) => t.length > 0)
const cut = Math.floor(chapters.length * 0.95)
const train = chapters.slice(0, cut),
  held = chapters.slice(cut)
const data = trainCharLm(train, order, minCount)
const lm = new CharLm(data)
let bits = 0,
  n = 0
for (const t of held) {
  for (let i = 0; i < t.length; i++) {
    bits -= lm.logProb(t.slice(Math.max(0, i - order + 1), i), t[i]) / Math.LN2
    n++
  }
}
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
  source,
  licence:
    'The King James Version text is in the public domain (translated 1611; Debian copyright file of bible-kjv-text: "The copyright for the King James Version text of the Bible is expired").',
  corpus: {
    chapters: chapters.length,
    trainChapters: train.length,
    trainChars: train.reduce((s, t) => s + t.length, 0),
    heldOutChapters: held.length,
    heldOutChars: n
  },
  heldOutBitsPerChar: Number((bits / n).toFixed(4)),
  command: `npx tsx scripts/build-char-lm.ts --order ${order} --min-count ${minCount}${values.corpus ? ' --corpus FILE' : ''}`
}
writeFileSync(join(values.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
process.stdout.write(JSON.stringify(manifest, null, 2) + '\n')
