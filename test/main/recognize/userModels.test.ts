// Models made in the app live in the user data folder; the CLI finds them by name (--model NAME, models list).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  listUserModels,
  ModelNotFoundError,
  resolveModelDir,
  SHIPPED_MODELS_DIR
} from '../../../src/main/recognize/models.ts'

let dataDir: string
const saved = process.env['GLYPHDESK_DATA_DIR']
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-usermodels-'))
  process.env['GLYPHDESK_DATA_DIR'] = dataDir
  cpSync(join(SHIPPED_MODELS_DIR, 'mlp-baseline'), join(dataDir, 'models', 'mine'), { recursive: true })
  // A user folder that takes a shipped name is never used in its place.
  mkdirSync(join(dataDir, 'models', 'cnn-best'), { recursive: true })
  writeFileSync(join(dataDir, 'models', 'cnn-best', 'model.json'), '{"kind":"mlp"}')
})
afterAll(() => {
  if (saved === undefined) delete process.env['GLYPHDESK_DATA_DIR']
  else process.env['GLYPHDESK_DATA_DIR'] = saved
  rmSync(dataDir, { recursive: true, force: true })
})

describe("the person's own models by name", () => {
  it('resolves a user model by its name and lists it, never shadowing a shipped one', () => {
    expect(resolveModelDir('mine')).toBe(join(dataDir, 'models', 'mine'))
    expect(resolveModelDir('cnn-best')).toBe(join(SHIPPED_MODELS_DIR, 'cnn-best'))
    expect(listUserModels().map((m) => [m.name, m.kind, m.shipped])).toEqual([['mine', 'mlp', false]])
    expect(() => resolveModelDir('nobody')).toThrow(ModelNotFoundError)
    expect(() => resolveModelDir('nobody')).toThrow(/yours in .*: mine/)
  })
})
