// Builds the CLI bundle (bin/cliBundle.mjs) once before any test runs, when it is missing or stale. Tests call
// the CLI concurrently; without this, whichever call comes first builds it and prints "built the CLI bundle …"
// on its stderr, which a test checking a command's exact error output would read as part of it.
// @ts-expect-error -- bin/cliBundle.mjs is plain JavaScript without type declarations
import { buildBundle, freshBundle } from '../bin/cliBundle.mjs'

export default async function setup(): Promise<void> {
  if (!freshBundle()) await buildBundle({ log: (s: string) => process.stdout.write(s + '\n') })
}
