// The job runner forgets finished jobs beyond the last few, so a long session of retrains does not keep
// every job's state for the life of the process (the soak run's heap grew by ~30 kB a retrain), and runs
// jobs one after another in one kept worker thread.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EventBus } from '../../../src/main/core/events.ts'
import { JobNotFoundError, JobRunner } from '../../../src/main/jobs/runner.ts'
import type { RetrainSpec } from '../../../src/main/jobs/retrain.ts'
import { TrainConfigSchema } from '../../../src/shared/contract.ts'

const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-runner-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A retrain whose base model does not exist: the worker fails at once, which is all this test needs. */
const failing = (i: number): RetrainSpec => ({
  config: TrainConfigSchema.parse({ baseModel: 'missing', epochs: 1, replayPerClass: 0, heldOut: 0.25, seed: 1 }),
  baseDir: join(scratch, 'no-such-model'),
  baseName: 'missing',
  outDir: join(scratch, `out-${i}`),
  name: `out-${i}`,
  corrections: { x: new Float32Array(1024), y: new Uint8Array([0]), n: 1 },
  pages: [],
  replayDir: null
})

describe('JobRunner', () => {
  it('keeps the status of the last finished jobs and forgets older ones, in one reused worker', async () => {
    const runner = new JobRunner(new EventBus(), undefined, 2)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = runner.startRetrain(failing(i))
      ids.push(id)
      expect((await runner.wait(id)).state).toBe('failed')
    }
    expect(() => runner.status(ids[0])).toThrow(JobNotFoundError)
    expect(runner.status(ids[1]).state).toBe('failed')
    expect(runner.status(ids[2]).state).toBe('failed')
    // Jobs one after another run in the same worker thread (a thread per job grew the process ~7 MB a retrain).
    expect(runner.workersStarted).toBe(1)
    await runner.dispose()
  }, 120_000)
})
