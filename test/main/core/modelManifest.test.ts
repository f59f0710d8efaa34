import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelCardError, readModelManifest } from '../../../src/main/core/modelManifest.ts'
import { errorCategory } from '../../../src/main/core/errors.ts'
import { listShippedModels } from '../../../src/main/recognize/models.ts'
import { parseModelManifest } from '../../../src/shared/modelManifest.ts'

const shipped = listShippedModels()
const root = mkdtempSync(join(tmpdir(), 'glyphdesk-manifest-'))
let k = 0
function cardDir(json: string): string {
  const dir = join(root, `m${k++}`)
  mkdirSync(dir)
  writeFileSync(join(dir, 'model.json'), json)
  return dir
}
function shippedJson(name: string): Record<string, unknown> {
  const m = shipped.find((s) => s.name === name)
  if (!m) throw new Error(`no shipped ${name}`)
  return JSON.parse(readFileSync(join(m.dir, 'model.json'), 'utf8')) as Record<string, unknown>
}
function expectCardError(dir: string, message: RegExp): void {
  let err: unknown
  try {
    readModelManifest(dir)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ModelCardError)
  expect(errorCategory(err)).toBe('bad-input')
  expect((err as Error).message).toMatch(message)
  expect((err as Error).message).toContain(join(dir, 'model.json'))
}

describe('model manifest (model.json) schema', () => {
  it('reads every shipped card into its typed kind', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(4)
    for (const m of shipped) {
      const manifest = readModelManifest(m.dir)
      expect(['glyphdesk-mlp', 'glyphdesk-onnx']).toContain(manifest.format)
      expect(manifest.formatVersion).toBe(1)
      if (manifest.format === 'glyphdesk-mlp') expect(manifest.sizes[manifest.sizes.length - 1]).toBe(36)
      if (manifest.format === 'glyphdesk-onnx') expect(manifest.classes).toHaveLength(36)
    }
  })

  it('names the wrong field of a broken ONNX card', () => {
    const card = shippedJson('cnn-compact')
    expectCardError(
      cardDir(JSON.stringify({ ...card, input: { ...(card['input'] as object), size: 4096 } })),
      /"input\.size"/
    )
    expectCardError(cardDir(JSON.stringify({ ...card, logitOffsets: [1, 2] })), /"logitOffsets": must be 36 numbers/)
  })

  it('refuses a modelFile that points outside the model directory', () => {
    const card = shippedJson('cnn-compact')
    expectCardError(
      cardDir(JSON.stringify({ ...card, modelFile: '../../../../etc/passwd' })),
      /"modelFile": must be a file name inside the model directory/
    )
  })

  it('refuses MLP sizes that would allocate absurd memory, before allocating', () => {
    const card = shippedJson('mlp-baseline')
    expectCardError(cardDir(JSON.stringify({ ...card, sizes: [1024, 2e9, 36] })), /"sizes\.1"/)
    expectCardError(cardDir(JSON.stringify({ ...card, sizes: [1024, 16000, 16000, 36] })), /"sizes": needs more than/)
  })

  it('gives a clear error for null, non-JSON, missing and unknown-format cards', () => {
    expectCardError(cardDir('null'), /must be a JSON object/)
    expectCardError(cardDir('{"format": '), /is not valid JSON/)
    expectCardError(
      cardDir('{"format": "keras"}'),
      /"format" must be one of glyphdesk-mlp, glyphdesk-onnx, glyphdesk-cnn-head/
    )
    expectCardError(join(root, 'nowhere'), /file not found/)
  })

  it('migrates a card written before formatVersion existed and refuses one from a newer build', () => {
    const card = shippedJson('cnn-compact')
    const { formatVersion: _v, ...legacy } = card
    const migrated = parseModelManifest(legacy)
    expect(migrated.ok && migrated.manifest.formatVersion).toBe(1)
    expectCardError(cardDir(JSON.stringify({ ...card, formatVersion: 7 })), /written by a newer Glyphdesk/)
  })

  it('fills the documented defaults of a bring-your-own ONNX card', () => {
    const r = parseModelManifest({ format: 'glyphdesk-onnx', classes: ['A'], input: { size: 28 } })
    expect(r.ok).toBe(true)
    if (r.ok && r.manifest.format === 'glyphdesk-onnx') {
      expect(r.manifest.modelFile).toBe('model.onnx')
      expect(r.manifest.input).toMatchObject({ channels: 1, layout: 'NCHW', background: 1, ink: 0 })
      expect(r.manifest.kind).toBe('onnx')
    }
  })
})
