// train.start and jobs.*: retraining on the corrections of the given pages, as a worker job.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { findSuspects } from '../../learn/guard.ts'
import { previewOf } from '../../project/pageSessions.ts'
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'
import { collectGlyphs } from '../../project/glyphDataset.ts'
import { NoCorrectionsError } from '../../jobs/retrain.ts'
import { TRAINABLE_KINDS } from '../../project/modelCatalog.ts'

type Deps = Pick<AppContext, 'pages' | 'models' | 'jobs' | 'settings' | 'files'>

export function createTrainRoutes(
  d: Deps
): Pick<RouteHandlers, 'train.start' | 'train.check' | 'jobs.status' | 'jobs.cancel'> {
  return {
    'train.check': async ({ baseModel, docs }) => {
      const corrections = await collectGlyphs(d.pages, docs, true)
      const suspects = await findSuspects(corrections, await d.models.classifier(baseModel))
      const rowOf = new Map(corrections.rows.map((r, i) => [`${r.page}\u0000${r.boxId}`, i]))
      const pageIndex = (path: string) => docs.findIndex((doc) => resolve(doc.image.path) === path)
      return {
        corrections: corrections.n,
        suspects: suspects.map((s) => ({
          ...s,
          page: Math.max(0, pageIndex(s.page)),
          glyph: previewOf(corrections.x, rowOf.get(`${s.page}\u0000${s.boxId}`) ?? 0)
        }))
      }
    },
    'train.start': async ({ config, docs }) => {
      // Replay: the glyph-set folder the person chose, else (null) the replay set shipped with the models.
      // Path-limited like every route's paths, first, before anything looks at it (no existence oracle).
      const chosenDir = config.glyphSetDir || d.settings.get().glyphSetDir || null
      const replayDir = chosenDir && d.files.checkFolder(chosenDir, 'the glyph set folder')
      const base = d.models.find(config.baseModel)
      if (!TRAINABLE_KINDS.has(base.kind))
        throw new NoCorrectionsError(
          `${base.name} is a ${base.kind} model; retraining starts from an MLP or a CNN (ONNX with an embedding output)`
        )
      const corrections = await collectGlyphs(d.pages, docs, true)
      if (corrections.n === 0) {
        throw new NoCorrectionsError(
          'there are no corrections to learn from yet: type the right letter on a few glyphs (or press Enter to confirm a right one), then retrain'
        )
      }
      if (replayDir && !existsSync(replayDir))
        throw new NoCorrectionsError(
          `the glyph set folder ${replayDir} does not exist; clear the field to replay the set shipped with the models`
        )
      const stamp = new Date().toISOString().slice(0, 10)
      const { name, dir } = d.models.newModelDir(config.name ?? `${base.name}-tuned-${stamp}`)
      const jobId = d.jobs.startRetrain({
        config,
        baseDir: base.dir,
        baseName: base.name,
        outDir: dir,
        name,
        corrections: { x: corrections.x, y: corrections.y, n: corrections.n },
        pages: corrections.pages,
        pageOf: corrections.rows.map((r) => corrections.pages.indexOf(r.page)),
        changed: corrections.changed,
        replayDir
      })
      return { jobId }
    },
    'jobs.status': ({ id }) => d.jobs.status(id),
    'jobs.cancel': ({ id }) => d.jobs.cancel(id)
  }
}
