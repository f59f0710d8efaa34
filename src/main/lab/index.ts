// The lab: the coursework's experiments as plain functions from a context (glyph set, seed,
// budgets) to a report object and its files. `glyphdesk experiment` and the app's Lab view use
// the same functions and the same report.json.
import { autoencoderExperiment } from './autoencoder.ts'
import { cnnVsMlpExperiment } from './cnnVsMlp.ts'
import { confusionExperiment } from './confusion.ts'
import type { Experiment } from './context.ts'
import { gradcheckExperiment } from './gradcheck.ts'
import { lrSweepExperiment } from './lrSweep.ts'
import { pcaExperiment } from './pca.ts'
import type { ExperimentName } from './report.ts'
import { weightsExperiment } from './weights.ts'

/** In the order `all` runs them: lr-sweep first, so weights and confusion use the learning rate it picks. */
export const EXPERIMENTS: Record<ExperimentName, Experiment> = {
  'lr-sweep': lrSweepExperiment,
  weights: weightsExperiment,
  confusion: confusionExperiment,
  autoencoder: autoencoderExperiment,
  pca: pcaExperiment,
  gradcheck: gradcheckExperiment,
  'cnn-vs-mlp': cnnVsMlpExperiment
}

/** Whether `name` is one of the lab's experiments (an own key of EXPERIMENTS). */
export function isExperimentName(name: string): name is ExperimentName {
  return Object.hasOwn(EXPERIMENTS, name)
}

/** The experiments' names in EXPERIMENTS' order, the order `all` runs them. */
export const EXPERIMENT_NAMES: readonly ExperimentName[] = Object.keys(EXPERIMENTS).filter(isExperimentName)

/** Experiments that need no glyph set. */
export const DATA_FREE: ReadonlySet<ExperimentName> = new Set(['gradcheck'])

export {
  loadExperimentContext,
  FULL_BUDGETS,
  type Budgets,
  type ExperimentContext,
  type ExperimentOutput
} from './context.ts'
export { writeExperiment, reportMarkdown } from './write.ts'
export type { ExperimentReport } from './report.ts'
