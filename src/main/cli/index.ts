// The `glyphdesk` command: a thin dispatcher over the main-process services.
export async function main(argv: string[]): Promise<number> {
  const [command] = argv
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write('usage: glyphdesk <command> [options]\n')
    return command ? 0 : 2
  }
  process.stderr.write(`glyphdesk: unknown command "${command}"\n`)
  return 2
}
