// The `glyphdesk` command: a thin dispatcher over the main-process services. Exit codes:
// 0 done, 1 the job failed (bad data, diverged training…), 2 bad usage, 130 interrupted.
import { UsageError } from './args.ts'

const USAGE = `glyphdesk — label and recognise handwritten characters

usage: glyphdesk <command> [options]      (glyphdesk <command> --help for details)
  train mlp       train the from-scratch MLP on a NIST-layout glyph set
  eval            score a model on a glyph set (accuracy, confusion matrix)
  gradcheck       check every layer's gradients against central differences
  data            synth | synth-eval | fetch | preview: glyph sets
  models list     the shipped models
  transcribe      read a page image into text, JSON, hOCR or ALTO
  eval-pages      score the page pipeline on page images with ground-truth .txt files
  experiment      the coursework's experiments as reports: lr-sweep, weights, confusion, autoencoder, pca, gradcheck, cnn-vs-mlp, all
  serve           the app in a browser: http://127.0.0.1 with a per-run token
`

type Command = (argv: string[]) => Promise<number>

const COMMANDS: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./train.ts')).trainCommand,
  eval: async () => (await import('./eval.ts')).evalCommand,
  gradcheck: async () => (await import('./gradcheck.ts')).gradcheckCommand,
  data: async () => (await import('./data.ts')).dataCommand,
  models: async () => (await import('./models.ts')).modelsCommand,
  transcribe: async () => (await import('./pages.ts')).transcribeCommand,
  'eval-pages': async () => (await import('./pages.ts')).evalPagesCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  experiment: async () => (await import('./experiment.ts')).experimentCommand
}

export async function main(argv: string[]): Promise<number> {
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
    if (rest.includes('--help') || rest.includes('-h')) throw new UsageError('')
    return await (await load())(rest)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(err.message ? `glyphdesk ${command}: ${err.message}\n` : `see README.md for glyphdesk ${command}\n`)
      return 2
    }
    const e = err as Error
    process.stderr.write(`glyphdesk ${command}: ${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}\n`)
    if (process.env['GLYPHDESK_DEBUG']) process.stderr.write(`${e.stack}\n`)
    return 1
  }
}
