// Fuzz targets: every parser and route input Glyphdesk takes from a file or a request, each with the
// error class it is allowed to answer with. A case "crashes" when anything else escapes (or the process
// dies), and "hangs" when it takes over 5 s. Shared by test/main/hardening/fuzz.test.ts (a few hundred
// seeded cases each, in `npm test`) and scripts/fuzz/run.ts (≥ 10 000 each, with memory and time).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import * as ort from 'onnxruntime-node'
import '../../src/main/recognize/ortTelemetry.ts' // no telemetry client, no /tmp/mat-debug-<pid>.log
import sharp from 'sharp'
import { encodeMat, MatFormatError, parseMat } from '../../src/main/data/mat.ts'
import { PAGE_EXPORTS } from '../../src/main/export/index.ts'
import { createAppContext } from '../../src/main/ipc/context.ts'
import { createAppRegistry } from '../../src/main/ipc/index.ts'
import { Mlp } from '../../src/main/nn/mlp.ts'
import { loadMlp, ModelFileError, saveMlp } from '../../src/main/nn/serialise.ts'
import { loadProject, ProjectFileError } from '../../src/main/project/projectFile.ts'
import { ImageLoadError, loadImage } from '../../src/main/vision/image.ts'
import { ROUTES } from '../../src/shared/contract.ts'
import { assembleText, boxesByLine, PageDocSchema } from '../../src/shared/pagedoc.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')

export interface FuzzTarget {
  name: string
  /** Inputs for case numbers; seeded by the caller. */
  arbitrary: fc.Arbitrary<unknown>
  /** Runs one case; throws only what the target may not answer with. */
  run(input: unknown): Promise<void>
}

/** Byte-level mutations of a valid file: overwritten bytes, 32-bit header fields set to extremes, truncation, junk appended. */
function mutated(base: Uint8Array, headerFields: number[] = []): fc.Arbitrary<Uint8Array> {
  const extreme = fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, 65535, 256, 257)
  return fc
    .record({
      bytes: fc.array(fc.record({ at: fc.nat(base.length - 1), v: fc.nat(255) }), { maxLength: 12 }),
      fields: fc.array(
        fc.record({
          at: headerFields.length ? fc.constantFrom(...headerFields) : fc.nat(Math.max(0, base.length - 4)),
          v: extreme
        }),
        { maxLength: 3 }
      ),
      cut: fc.option(fc.nat(base.length), { freq: 4 }),
      tail: fc.option(fc.uint8Array({ maxLength: 64 }), { freq: 6 })
    })
    .map(({ bytes, fields, cut, tail }) => {
      let b = Buffer.from(base)
      for (const { at, v } of bytes) b[at] = v
      for (const { at, v } of fields) if (at + 4 <= b.length) b.writeUInt32LE(v, at)
      if (cut !== null) b = b.subarray(0, cut)
      if (tail) b = Buffer.concat([b, tail])
      return new Uint8Array(b)
    })
}

function bmp(bpp: 8 | 24): Uint8Array {
  const w = 13,
    h = 7,
    stride = Math.ceil((w * bpp) / 32) * 4,
    pal = bpp === 8 ? 1024 : 0
  const b = Buffer.alloc(54 + pal + stride * h, 0x80)
  b.write('BM', 0, 'latin1')
  b.writeUInt32LE(b.length, 2)
  b.writeUInt32LE(54 + pal, 10)
  b.writeUInt32LE(40, 14)
  b.writeInt32LE(w, 18)
  b.writeInt32LE(h, 22)
  b.writeUInt16LE(1, 26)
  b.writeUInt16LE(bpp, 28)
  b.writeUInt32LE(0, 30)
  b.writeUInt32LE(0, 46)
  return new Uint8Array(b)
}

const expectClass = (cls: new (...a: never[]) => Error) => (e: unknown) => {
  if (!(e instanceof cls)) throw e
}

async function imageTarget(name: string, base: Uint8Array, fields: number[] = []): Promise<FuzzTarget> {
  return {
    name,
    arbitrary: mutated(base, fields),
    run: (input) =>
      loadImage(input as Uint8Array, { name: `fuzz.${name}` }).then(() => undefined, expectClass(ImageLoadError))
  }
}

/**
 * JPEG frame sizes: the SOF header's 16-bit big-endian height and width set to any value (the byte-level
 * mutations above rarely make a large but legal size), on a baseline and a progressive file, plus mutations.
 */
async function jpegSizesTarget(gray: Buffer): Promise<FuzzTarget> {
  const bases = await Promise.all(
    [false, true].map(async (progressive) => {
      const b = await sharp(gray, { raw: { width: 24, height: 16, channels: 1 } })
        .jpeg({ progressive })
        .toBuffer()
      let sof = 2
      while (!(b[sof + 1] >= 0xc0 && b[sof + 1] <= 0xc2)) sof += 2 + b.readUInt16BE(sof + 2)
      return { bytes: new Uint8Array(b), sof }
    })
  )
  const size = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 4000 }))
  return {
    name: 'jpeg-sizes',
    arbitrary: fc.oneof(
      ...bases.map(({ bytes, sof }) =>
        fc.tuple(mutated(bytes), size, size).map(([b, h, w]) => {
          const out = Buffer.from(b)
          if (out.length >= sof + 9) {
            out.writeUInt16BE(h, sof + 5)
            out.writeUInt16BE(w, sof + 7)
          }
          return new Uint8Array(out)
        })
      )
    ),
    run: (input) =>
      loadImage(input as Uint8Array, { name: 'fuzz.jpeg' }).then(() => undefined, expectClass(ImageLoadError))
  }
}

export async function fuzzTargets(): Promise<FuzzTarget[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-fuzz-'))
  const gray = Buffer.alloc(24 * 16, 200)
  const png = await sharp(gray, { raw: { width: 24, height: 16, channels: 1 } })
    .png()
    .toBuffer()
  const jpeg = await sharp(gray, { raw: { width: 24, height: 16, channels: 1 } })
    .jpeg()
    .toBuffer()
  const targets: FuzzTarget[] = [
    await imageTarget('bmp8', bmp(8), [2, 10, 14, 18, 22, 28, 30, 46]),
    await imageTarget('bmp24', bmp(24), [2, 10, 14, 18, 22, 28, 30]),
    await imageTarget('png', new Uint8Array(png), [8, 16, 20]),
    await imageTarget('jpeg', new Uint8Array(jpeg)),
    await jpegSizesTarget(gray)
  ]

  // .mat: a small glyph set, compressed and not.
  const n = 3
  const vars = [
    {
      name: 'train_data',
      class: 'double' as const,
      dims: [n, 1024],
      data: Float64Array.from({ length: n * 1024 }, (_, i) => (i % 7) / 7)
    },
    {
      name: 'train_labels',
      class: 'uint8' as const,
      dims: [n, 36],
      data: Uint8Array.from({ length: n * 36 }, (_, i) => (i % (n + 1) === 0 ? 1 : 0))
    }
  ]
  for (const compress of [true, false]) {
    targets.push({
      name: compress ? 'mat-compressed' : 'mat',
      arbitrary: mutated(new Uint8Array(encodeMat(vars, { compress })), [128, 132, 136, 140, 144, 148, 152, 160, 164]),
      run: async (input) => {
        try {
          parseMat(input as Uint8Array, 'fuzz.mat')
        } catch (e) {
          expectClass(MatFormatError)(e)
        }
      }
    })
  }

  // Model weights and the manifest's numeric fields (its schema as a whole is issue 11's ModelManifest).
  const modelDir = join(scratch, 'model')
  await saveMlp(modelDir, new Mlp({ sizes: [16, 8, 36], activation: 'relu', seed: 1 }), {})
  const weights = readFileSync(join(modelDir, 'weights.bin'))
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>
  let k = 0
  targets.push({
    name: 'model-weights',
    arbitrary: fc.record({
      bin: mutated(new Uint8Array(weights)),
      sizes: fc.option(
        fc.array(fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constantFrom(2e9, 1e6, 2 ** 31, 0.5, Number.NaN)), {
          maxLength: 5
        }),
        { freq: 3 }
      ),
      weightsBytes: fc.option(fc.integer(), { freq: 4 }),
      resha: fc.boolean()
    }),
    run: async (input) => {
      const { bin, sizes, weightsBytes, resha } = input as {
        bin: Uint8Array
        sizes: number[] | null
        weightsBytes: number | null
        resha: boolean
      }
      const dir = join(scratch, `m${k++ % 8}`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'weights.bin'), bin)
      const { createHash } = await import('node:crypto')
      const m = {
        ...manifest,
        ...(sizes ? { sizes } : {}),
        ...(weightsBytes !== null ? { weightsBytes } : {}),
        ...(resha ? { weightsSha256: createHash('sha256').update(bin).digest('hex') } : {})
      }
      writeFileSync(join(dir, 'model.json'), JSON.stringify(m))
      await loadMlp(dir).then(() => undefined, expectClass(ModelFileError))
    }
  })

  // ONNX bytes straight into onnxruntime (any thrown Error is its refusal; a crash kills the process).
  const tiny = readFileSync(join(ROOT, 'test', 'fixtures', 'onnx', 'tiny.onnx'))
  targets.push({
    name: 'onnx',
    arbitrary: mutated(new Uint8Array(tiny)),
    run: async (input) => {
      const session = await ort.InferenceSession.create(input as Uint8Array).catch((e: unknown) => {
        if (!(e instanceof Error)) throw e
        return null
      })
      await session?.release()
    }
  })

  // PageDocs: anything JSON, and valid documents with hostile numbers; valid ones must export in every format.
  const num = fc.oneof(fc.nat(2000), fc.constantFrom(1e9, 2 ** 31, 2 ** 53, -1, 0.5, 1e308))
  const box = fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    x: num,
    y: num,
    w: num,
    h: num,
    line: num,
    word: num,
    label: fc.option(fc.constantFrom('A', 'Z', '0', '9', 'a', '?'), { nil: undefined }),
    source: fc.constantFrom('detector', 'person', 'x')
  })
  const doc = fc.record({
    version: fc.constantFrom(1, 2),
    image: fc.record({ path: fc.string({ maxLength: 8 }), width: num, height: num }),
    boxes: fc.array(box, { maxLength: 40 }),
    lines: fc.array(fc.record({ index: num, x: num, y: num, w: num, h: num }), { maxLength: 6 })
  })
  targets.push({
    name: 'pagedoc',
    arbitrary: fc.oneof(doc, fc.jsonValue()),
    run: async (input) => {
      const parsed = PageDocSchema.safeParse(input)
      if (!parsed.success) return
      boxesByLine(parsed.data)
      assembleText(parsed.data)
      for (const write of Object.values(PAGE_EXPORTS)) write(parsed.data)
    }
  })

  // Project files on disk: arbitrary text, arbitrary JSON, and project-shaped JSON.
  const projectFile = join(scratch, 'fuzz.glyphdesk')
  targets.push({
    name: 'project',
    arbitrary: fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          format: fc.constantFrom('glyphdesk-project', 'x'),
          version: fc.constantFrom(1, 2),
          current: num,
          models: fc.array(fc.string(), { maxLength: 3 }),
          pages: fc.array(fc.record({ doc }), { maxLength: 2 })
        })
        .map((v) => JSON.stringify(v))
    ),
    run: async (input) => {
      writeFileSync(projectFile, input as string)
      await loadProject(projectFile).then(() => undefined, expectClass(ProjectFileError))
    }
  })

  // Every route's input through the registry: never a throw, never a 500.
  const ctx = createAppContext({ mode: 'browser', userDataDir: join(scratch, 'data'), imageUrl: async () => '' })
  const registry = createAppRegistry(ctx)
  // Routes that would do real work on their one valid input ({}) are called with it once by the tests elsewhere.
  const routes = Object.keys(ROUTES).filter((r) => r !== 'pages.openSample' && r !== 'train.start')
  const pathish = fc.oneof(
    fc.constantFrom('/etc/passwd', '../../x', '/', '', '\0', 'C:\\Windows', join(scratch, 'data', 'x')),
    fc.string({ maxLength: 12 })
  )
  targets.push({
    name: 'routes',
    arbitrary: fc.record({
      route: fc.constantFrom(...routes),
      input: fc.oneof(
        fc.anything(),
        fc.record({ path: pathish }),
        fc.record({ dir: pathish }),
        fc.record({
          doc,
          format: fc.constantFrom('txt', 'json', 'hocr', 'alto'),
          path: fc.option(pathish, { nil: undefined })
        }),
        fc.record({ name: fc.string({ maxLength: 8 }), base64: fc.base64String({ maxLength: 64 }) }),
        fc.record({ pageId: fc.string({ maxLength: 20 }) })
      )
    }),
    run: async (input) => {
      const { route, input: body } = input as { route: string; input: unknown }
      const reply = await registry.invoke(route, body)
      if (!reply.ok && reply.error.status >= 500)
        throw new Error(`${route} answered ${reply.error.status}: ${reply.error.name}: ${reply.error.message}`)
    }
  })
  return targets
}

export interface FuzzReport {
  target: string
  cases: number
  crashes: number
  hangs: number
  slowestMs: number
  firstCrash?: string
}

/** Runs `cases` seeded cases of a target, one after another, timing each. */
export async function runTarget(t: FuzzTarget, cases: number, seed: number, hangMs = 5000): Promise<FuzzReport> {
  const inputs = fc.sample(t.arbitrary, { numRuns: cases, seed })
  const r: FuzzReport = { target: t.name, cases: 0, crashes: 0, hangs: 0, slowestMs: 0 }
  for (const input of inputs) {
    const t0 = performance.now()
    try {
      await t.run(input)
    } catch (e) {
      r.crashes++
      r.firstCrash ??= `${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)}`
    }
    const ms = performance.now() - t0
    r.cases++
    r.slowestMs = Math.max(r.slowestMs, ms)
    if (ms > hangMs) r.hangs++
  }
  return r
}
