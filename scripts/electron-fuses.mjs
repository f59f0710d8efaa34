// Sets Electron's fuses on a packaged Glyphdesk binary (run after packaging, before signing):
//   node --import tsx scripts/electron-fuses.mjs path/to/Glyphdesk[.exe|.app]
// The fuse values live in src/main/electronPolicy.ts (ELECTRON_FUSES) and are documented in docs/SECURITY.md.
// Needs @electron/fuses (npm i -D @electron/fuses where packaging happens); no binary ships in this repository.
import { pathToFileURL } from 'node:url'
import { ELECTRON_FUSES } from '../src/main/electronPolicy.ts'

/** The @electron/fuses configuration for ELECTRON_FUSES, given that package's FuseV1Options and FuseVersion. */
export function fuseConfig(FuseV1Options, FuseVersion) {
  const config = { version: FuseVersion.V1, resetAdHocDarwinSignature: process.platform === 'darwin' }
  for (const [name, value] of Object.entries(ELECTRON_FUSES)) {
    if (!(name in FuseV1Options)) throw new Error(`@electron/fuses has no fuse ${name}; update it or ELECTRON_FUSES`)
    config[FuseV1Options[name]] = value
  }
  return config
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const binary = process.argv[2]
  if (!binary) {
    process.stderr.write('usage: node --import tsx scripts/electron-fuses.mjs PATH_TO_PACKAGED_BINARY\n')
    process.exit(2)
  }
  const { flipFuses, FuseV1Options, FuseVersion } = await import('@electron/fuses')
  await flipFuses(binary, fuseConfig(FuseV1Options, FuseVersion))
  process.stdout.write(`fuses set on ${binary}: ${JSON.stringify(ELECTRON_FUSES)}\n`)
}
