// Seeded, time-boxed fuzzing of every parser and route input (scripts/fuzz/targets.ts): a few hundred
// cases each here; scripts/fuzz/run.ts runs ≥ 10 000 each and records memory. Nothing but the target's
// own error class may escape, and no case may take 5 s.
import { beforeAll, describe, expect, it } from 'vitest'
import { fuzzTargets, runTarget, type FuzzTarget } from '../../../scripts/fuzz/targets.ts'

const CASES: Record<string, number> = { onnx: 200, routes: 300, 'model-weights': 200 }
let targets: FuzzTarget[] = []
beforeAll(async () => {
  targets = await fuzzTargets()
}, 60_000)

describe('fuzzing (seed 14)', () => {
  for (const name of [
    'bmp8',
    'bmp24',
    'png',
    'jpeg',
    'jpeg-sizes',
    'mat',
    'mat-compressed',
    'model-weights',
    'onnx',
    'pagedoc',
    'project',
    'routes'
  ]) {
    it(`${name}: only its own errors, no case over 5 s`, async () => {
      const t = targets.find((x) => x.name === name)!
      const r = await runTarget(t, CASES[name] ?? 300, 14)
      expect(r.firstCrash ?? null).toBeNull()
      expect(r).toMatchObject({ crashes: 0, hangs: 0 })
      expect(r.cases).toBe(CASES[name] ?? 300)
    }, 120_000)
  }
})
