#!/usr/bin/env node
// Builds the `glyphdesk` command's bundle (out/cli, see bin/cliBundle.mjs). Part of `npm run build`;
// the command also builds it by itself on first use and whenever its sources change.
import { buildBundle } from '../bin/cliBundle.mjs'

await buildBundle({ log: (s) => process.stdout.write(s + '\n') })
