// The `glyphdesk` command: a thin dispatcher over the main-process services. Exit codes:
// 0 done, 1 the job failed (bad data, diverged training…), 2 bad usage, 130 interrupted.
import { errorCategory } from '../core/errors.ts'
import { UsageError } from './args.ts'
import { disableOrtTelemetry } from '../recognize/ortTelemetry.ts'

const USAGE = `glyphdesk — label and recognise handwritten characters

usage: glyphdesk <command> [options]      (glyphdesk <command> --help for details)
  train mlp       train the from-scratch MLP on a NIST-layout glyph set
  eval            score a model on a glyph set (accuracy, confusion matrix)
  gradcheck       check every layer's gradients against central differences
  data            synth | synth-eval | fetch | preview: glyph sets
  models list     the shipped models
  transcribe      read a page image into text, JSON, hOCR, ALTO or PAGE XML
  import          open another tool's hOCR, ALTO or PAGE XML with its page image, for review (a PageDoc)
  eval-pages      score the page pipeline on page images with ground-truth .txt files
  experiment      the coursework's experiments as reports: lr-sweep, weights, confusion, autoencoder, pca, gradcheck, cnn-vs-mlp, all
  finetune        fine-tune a model on a person's corrections (PageDoc JSON) with replay
  calibrate       fit an ONNX model's look-alike logit offsets (0/O, 1/I, …) on a labelled split
  serve           the app in a browser: http://127.0.0.1 with a per-run token
`

type Command = (argv: string[]) => Promise<number>
interface CommandEntry {
  run: Command
  usage: string
}

// Loaded on demand so `glyphdesk gradcheck` does not pay for OpenCV or onnxruntime.
const COMMANDS: Record<string, () => Promise<CommandEntry>> = {
  train: async () => {
    const m = await import('./train.ts')
    return { run: m.trainCommand, usage: m.TRAIN_USAGE }
  },
  eval: async () => {
    const m = await import('./eval.ts')
    return { run: m.evalCommand, usage: m.EVAL_USAGE }
  },
  gradcheck: async () => {
    const m = await import('./gradcheck.ts')
    return { run: m.gradcheckCommand, usage: m.GRADCHECK_USAGE }
  },
  data: async () => {
    const m = await import('./data.ts')
    return { run: m.dataCommand, usage: m.DATA_USAGE }
  },
  models: async () => {
    const m = await import('./models.ts')
    return { run: m.modelsCommand, usage: m.MODELS_USAGE }
  },
  transcribe: async () => {
    const m = await import('./pages.ts')
    return { run: m.transcribeCommand, usage: m.TRANSCRIBE_USAGE }
  },
  import: async () => {
    const m = await import('./import.ts')
    return { run: m.importCommand, usage: m.IMPORT_USAGE }
  },
  'eval-pages': async () => {
    const m = await import('./pages.ts')
    return { run: m.evalPagesCommand, usage: m.EVAL_PAGES_USAGE }
  },
  serve: async () => {
    const m = await import('./serve.ts')
    return { run: m.serveCommand, usage: m.SERVE_USAGE }
  },
  experiment: async () => {
    const m = await import('./experiment.ts')
    return { run: m.experimentCommand, usage: m.EXPERIMENT_USAGE }
  },
  finetune: async () => {
    const m = await import('./finetune.ts')
    return { run: m.finetuneCommand, usage: m.FINETUNE_USAGE }
  },
  calibrate: async () => {
    const m = await import('./calibrate.ts')
    return { run: m.calibrateCommand, usage: m.CALIBRATE_USAGE }
  }
}

export async function main(argv: string[]): Promise<number> {
  disableOrtTelemetry() // before any command starts worker threads (recognize/ortTelemetry.ts)
  const [command, ...rest] = argv
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return command ? 0 : 2
  }
  const load = COMMANDS[command]
  if (!load) {
    process.stderr.write(`glyphdesk: unknown command "${command}"\n${USAGE}`)
    return 2
  }
  try {
    const entry = await load()
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(entry.usage + '\n')
      return 0
    }
    return await entry.run(rest)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`glyphdesk ${command}: ${err.message}\n`)
      return 2
    }
    const e = err instanceof Error ? err : new Error(String(err))
    process.stderr.write(`glyphdesk ${command}: ${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}\n`)
    // An error outside the taxonomy is Glyphdesk's own fault: say how to get the details for a report.
    if (errorCategory(e) === 'internal' && !process.env['GLYPHDESK_DEBUG'])
      process.stderr.write('(an internal error; GLYPHDESK_DEBUG=1 prints the stack)\n')
    if (process.env['GLYPHDESK_DEBUG']) process.stderr.write(`${e.stack}\n`)
    return 1
  }
}
