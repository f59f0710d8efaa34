// The layer rule (.dependency-cruiser.cjs) must catch an upward import: run it on a tiny tree that has one,
// and on one that does not. `npm test` also runs it on src/ itself (npm run lint).
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs')

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'glyphdesk-layers-'))
  copyFileSync(join(ROOT, 'tsconfig.node.json'), join(dir, 'tsconfig.node.json'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', join(ROOT, '.dependency-cruiser.cjs')], {
    cwd: dir,
    encoding: 'utf8'
  })
  return { status: r.status, out: r.stdout + r.stderr }
}

describe('the layer rule', () => {
  it('passes a tree whose imports run downward', () => {
    const r = cruise({
      'src/main/core/errors.ts': 'export const e = 1\n',
      'src/main/nn/mlp.ts': "import { e } from '../core/errors.ts'\nexport const m = e\n",
      'src/main/cli/train.ts': "import { m } from '../nn/mlp.ts'\nexport const t = m\n"
    })
    expect(r.out).toMatch(/no dependency violations/)
    expect(r.status).toBe(0)
  })

  it('fails on an upward import and names the rule and the files', () => {
    const r = cruise({
      'src/main/cli/version.ts': 'export const v = 1\n',
      'src/main/nn/mlp.ts': "import { v } from '../cli/version.ts'\nexport const m = v\n"
    })
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/nn-imports-only-core: src\/main\/nn\/mlp\.ts → src\/main\/cli\/version\.ts/)
  })

  it('fails when vision reaches for a classifier or the renderer for main', () => {
    const r = cruise({
      'src/main/recognize/classifier.ts': 'export const c = 1\n',
      'src/main/vision/segment.ts': "import { c } from '../recognize/classifier.ts'\nexport const s = c\n",
      'src/main/core/version.ts': 'export const v = 1\n',
      'src/renderer/src/app.ts': "import { v } from '../../main/core/version.ts'\nexport const a = v\n"
    })
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/vision-is-pixels/)
    expect(r.out).toMatch(/renderer-not-main/)
  })
})
