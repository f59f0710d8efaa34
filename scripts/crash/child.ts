// The writer the kill -9 test (scripts/crash/killtest.ts) kills: it saves one kind of artefact over and
// over, each time with the next number, and prints `saved N` after each save returned. The parent
// kills it at a random moment and checks that what is on disk is save N or N+1, whole.
//   node --import tsx scripts/crash/child.ts model|project|autosave|finetune ROOT
import { join } from 'node:path'
import { readGlyphSet, subset } from '../../src/main/data/glyphset.ts'
import { createAppContext } from '../../src/main/ipc/context.ts'
import { createAppRegistry } from '../../src/main/ipc/index.ts'
import { Mlp } from '../../src/main/nn/mlp.ts'
import { saveMlp } from '../../src/main/nn/serialise.ts'
import { saveProject } from '../../src/main/project/projectFile.ts'
import { finetune, FINETUNE_DEFAULTS } from '../../src/main/learn/finetune.ts'
import { RESOURCES_DIR } from '../../src/main/recognize/models.ts'

const [mode, root] = process.argv.slice(2)
const say = (s: string) => process.stdout.write(s + '\n')
const project = (i: number) => ({
  format: 'glyphdesk-project' as const,
  version: 1 as const,
  current: 0,
  models: [`m${i}`],
  pages: []
})

async function run(): Promise<void> {
  if (mode === 'model') {
    const dir = join(root, 'model')
    // Sizes big enough that a save takes a few milliseconds (1.2 MB of weights).
    for (let i = 1; ; i++) {
      await saveMlp(dir, new Mlp({ sizes: [1024, 256, 36], activation: 'sigmoid', seed: i }), { i })
      if (i === 1) say('ready')
      say(`saved ${i}`)
    }
  }
  if (mode === 'project') {
    const file = join(root, 'work.glyphdesk')
    for (let i = 1; ; i++) {
      await saveProject(file, project(i))
      if (i === 1) say('ready')
      say(`saved ${i}`)
    }
  }
  if (mode === 'autosave') {
    const registry = createAppRegistry(
      createAppContext({ mode: 'browser', userDataDir: root, imageUrl: async () => '' })
    )
    for (let i = 1; ; i++) {
      const r = await registry.invoke('project.save', { project: project(i) })
      if (!r.ok) throw new Error(r.error.message)
      if (i === 1) say('ready')
      say(`saved ${i}`)
    }
  }
  if (mode === 'finetune') {
    const set = await readGlyphSet(join(process.cwd(), 'test', 'fixtures', 'synth-mini'))
    const corrections = subset(
      set.train,
      Array.from({ length: 72 }, (_, k) => k)
    )
    say('ready')
    for (let i = 1; ; i++) {
      const r = await finetune({
        baseDir: join(RESOURCES_DIR, 'models', 'mlp-baseline'),
        baseName: 'mlp-baseline',
        outDir: join(root, `ft-${i}`),
        name: `ft-${i}`,
        corrections,
        pages: [],
        replayDir: null,
        config: { ...FINETUNE_DEFAULTS.mlp, epochs: 1, replayPerClass: 0, replayBaseExtra: false }
      })
      if (!r) throw new Error('finetune stopped')
      say(`saved ${i}`)
    }
  }
  throw new Error(`unknown mode ${mode}`)
}

run().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`)
  process.exit(1)
})
