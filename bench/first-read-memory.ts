// Benchmark (issue 15): what the first page read of a process costs against the next ones, in time and in fresh
// memory touched. Each read is load + transcribe + export of the same page in one process (model and OpenCV loaded
// first), and reports its wall time and the process's minor page faults during it (each a 4 KB page touched for the
// first time: the kernel zeroes it, which on a virtual machine can cost ~10 µs). A cold `transcribe` pays the first
// read's count; a warm process the later ones'. Also times filling a fresh buffer of --touch-mb, for the cost of one
// fault on this machine.
//   npx tsx bench/first-read-memory.ts [--page resources/samples/01_list.jpg] [--reads 5] [--touch-mb 100]
import { parseArgs } from 'node:util'
import { loadPageFile, readLoadedPage } from '../src/main/read/pageFile.ts'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { loadOpenCv } from '../src/main/vision/segment.ts'

const { values } = parseArgs({
  options: {
    page: { type: 'string', default: 'resources/samples/01_list.jpg' },
    reads: { type: 'string', default: '5' },
    'touch-mb': { type: 'string', default: '100' }
  }
})
const faults = () => process.resourceUsage().minorPageFault

const mb = Number(values['touch-mb'])
let f0 = faults(),
  t0 = performance.now()
const buf = new Uint8Array(mb * 1024 * 1024)
for (let i = 0; i < buf.length; i += 4096) buf[i] = 1
const touchMs = performance.now() - t0,
  touchFaults = faults() - f0
console.log(
  `fresh memory: ${mb} MB in ${touchMs.toFixed(0)} ms, ${touchFaults} faults, ${((touchMs * 1000) / touchFaults).toFixed(1)} µs a fault`
)

const classifier = await loadClassifier()
await loadOpenCv()
for (let i = 0; i < Number(values.reads); i++) {
  f0 = faults()
  t0 = performance.now()
  await readLoadedPage(await loadPageFile(values.page), classifier, 'txt', { lm: true })
  console.log(`read ${i + 1}: ${(performance.now() - t0).toFixed(0)} ms, ${faults() - f0} faults`)
}
