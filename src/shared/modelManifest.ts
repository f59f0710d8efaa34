// The schema of model.json, the file beside every model Glyphdesk reads: its own MLPs
// (weights.bin), ONNX CNNs (Glyphdesk's and bring-your-own) and heads fine-tuned on a CNN's
// embeddings. One zod schema per kind, joined on `format`; the main process parses a model.json
// once, through `parseModelManifest`, into a typed value, and nothing else reads the file.
//
// Versions: every manifest carries `formatVersion`. Cards written before the field existed are
// version 1 (migrateManifest fills it in); a version newer than this build knows is refused with
// a message, never half-read.
import { z } from 'zod'

export const MLP_FORMAT = 'glyphdesk-mlp'
export const ONNX_FORMAT = 'glyphdesk-onnx'
export const CNN_HEAD_FORMAT = 'glyphdesk-cnn-head'
/** The newest formatVersion of each format this build reads and writes. */
export const FORMAT_VERSIONS = { [MLP_FORMAT]: 1, [ONNX_FORMAT]: 1, [CNN_HEAD_FORMAT]: 1 } as const
export type ModelFormat = keyof typeof FORMAT_VERSIONS

/** Whether `v` is a format this build reads (an own key of FORMAT_VERSIONS, so not e.g. "toString"). */
export function isModelFormat(v: unknown): v is ModelFormat {
  return typeof v === 'string' && Object.hasOwn(FORMAT_VERSIONS, v)
}

export const MLP_ACTIVATIONS = ['sigmoid', 'relu', 'tanh'] as const
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number]

/** Bounds that keep a hostile card from asking for absurd allocations before anything is checked. */
export const MODEL_LIMITS = {
  maxLayers: 16,
  maxWidth: 16384,
  maxParameters: 64 * 1024 * 1024,
  maxLabels: 1000,
  maxInputSize: 1024
} as const

const finite = z.number().refine(Number.isFinite, 'must be a finite number')
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex')
/** A file inside the model's own directory: never a path that could leave it. */
const fileInModelDir = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (s) => !/[\\/]/.test(s) && s !== '.' && s !== '..' && !s.includes('\0'),
    'must be a file name inside the model directory, not a path'
  )

// ---- the free-form card: provenance and metrics; the fields Glyphdesk reads are typed ----

export const ExtraTrainSchema = z.looseObject({
  /** The glyph file whose first `perClass` glyphs of each class were trained on (repository-relative, or an older card's absolute path). */
  file: z.string(),
  /** The file's SHA-256: `glyphdesk eval` recognises the file by content wherever it lives. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  perClass: z.union([z.int().nonnegative(), z.literal('all')]),
  repeat: z.number().optional(),
  glyphs: z.int().nonnegative().optional()
})
export type ExtraTrain = z.infer<typeof ExtraTrainSchema>

export const ModelCardSchema = z.looseObject({
  name: z.string().optional(),
  kind: z.string().optional(),
  created: z.string().optional(),
  description: z.string().optional(),
  command: z.string().nullable().optional(),
  gitCommit: z.string().nullable().optional(),
  data: z
    .looseObject({
      dir: z.string().nullable().optional(),
      /** Extra training glyphs (e.g. the real letters) and further such files (e.g. real digits). */
      extraTrain: ExtraTrainSchema.nullable().optional(),
      extraTrainMore: z.array(ExtraTrainSchema).optional()
    })
    .optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  calibration: z.record(z.string(), z.unknown()).optional()
})
export type ModelCard = z.infer<typeof ModelCardSchema>

const labels = z.array(z.string().min(1).max(16)).min(1).max(MODEL_LIMITS.maxLabels)

// ---- glyphdesk-mlp: Glyphdesk's own MLP (nn/serialise.ts writes it) ----

export const TensorEntrySchema = z.object({
  name: z.string().min(1).max(64),
  shape: z.array(z.int().min(1).max(MODEL_LIMITS.maxWidth)).min(1).max(4),
  /** Byte offset into weights.bin. */
  offset: z.int().nonnegative()
})
export type TensorEntry = z.infer<typeof TensorEntrySchema>

export const MlpManifestSchema = z.object({
  format: z.literal(MLP_FORMAT),
  formatVersion: z.literal(FORMAT_VERSIONS[MLP_FORMAT]),
  kind: z.literal('mlp'),
  sizes: z
    .array(z.int().min(1).max(MODEL_LIMITS.maxWidth))
    .min(2)
    .max(MODEL_LIMITS.maxLayers)
    .refine(
      (s) => s.slice(1).reduce((p, w, i) => p + (s[i] + 1) * w, 0) <= MODEL_LIMITS.maxParameters,
      `needs more than ${MODEL_LIMITS.maxParameters} parameters`
    ),
  activation: z.enum(MLP_ACTIVATIONS),
  seed: z.int().default(0),
  classes: labels,
  dtype: z.literal('float32'),
  byteOrder: z.literal('little'),
  weightsFile: z.literal('weights.bin'),
  weightsBytes: z.int().nonnegative(),
  weightsSha256: sha256,
  tensors: z.array(TensorEntrySchema).max(2 * MODEL_LIMITS.maxLayers),
  card: ModelCardSchema.default({})
})
export type MlpManifest = z.infer<typeof MlpManifestSchema>

// ---- glyphdesk-onnx: a CNN (or any image classifier) run with onnxruntime ----

const perChannel = z.union([finite, z.array(finite).min(1).max(3)])
export const OnnxInputSpecSchema = z.object({
  name: z.string().optional(),
  /** Side of the square input image, in pixels (Glyphdesk glyphs are 32; others are resampled). */
  size: z.int().min(4).max(MODEL_LIMITS.maxInputSize),
  channels: z.union([z.literal(1), z.literal(3)]).default(1),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  /** Pixel value of the paper and of the ink in the model's own training data (e.g. 0 and 1, or 255 and 0). */
  background: finite.default(1),
  ink: finite.default(0),
  /** Applied after background/ink mapping: (v − mean[c]) / std[c], or v · scale + offset. */
  normalise: z
    .union([
      z.object({ scale: finite, offset: finite.optional() }),
      z.object({
        mean: perChannel,
        std: perChannel.refine((s) => [s].flat().every((v) => v !== 0), 'std must not be 0')
      })
    ])
    .optional()
})
export type OnnxInputSpec = z.infer<typeof OnnxInputSpecSchema>

export const OnnxManifestSchema = z
  .looseObject({
    format: z.literal(ONNX_FORMAT),
    formatVersion: z.literal(FORMAT_VERSIONS[ONNX_FORMAT]),
    kind: z.string().default('onnx'),
    name: z.string().optional(),
    modelFile: fileInModelDir.default('model.onnx'),
    modelSha256: sha256.optional(),
    /** The label of each logit, in logit order. Each must be one of Glyphdesk's classes (lower case allowed). */
    classes: labels,
    input: OnnxInputSpecSchema,
    /** Output names; without logits, a model with a single output uses that one. */
    outputs: z.object({ logits: z.string().optional(), embedding: z.string().optional() }).default({}),
    embeddingDim: z.int().positive().optional(),
    /**
     * Added to the logits, one per label in label order, before the softmax in predict() (raw
     * logits() and embeddings are untouched). Fitted by `glyphdesk calibrate`; card.calibration says how.
     */
    logitOffsets: z.array(finite.refine((v) => Math.abs(v) <= 20, 'must be within ±20')).optional(),
    /**
     * An 8-bit copy of the same network (training/quantize_onnx.py), read instead of modelFile when
     * GLYPHDESK_PRECISION=int8. `sourceSha256` is the SHA-256 of the modelFile it was made from, so a
     * copy left over from an earlier network is refused rather than read. Further fields say how it was made.
     */
    quantized: z.looseObject({ modelFile: fileInModelDir, modelSha256: sha256, sourceSha256: sha256 }).optional(),
    card: ModelCardSchema.default({})
  })
  .superRefine((m, ctx) => {
    if (m.logitOffsets && m.logitOffsets.length !== m.classes.length)
      ctx.addIssue({
        code: 'custom',
        path: ['logitOffsets'],
        message: `must be ${m.classes.length} numbers, one per label in "classes" order (got ${m.logitOffsets.length})`
      })
    const n = m.input.normalise
    if (n && 'mean' in n) {
      for (const [k, v] of [
        ['mean', n.mean],
        ['std', n.std]
      ] as const)
        if (Array.isArray(v) && v.length !== m.input.channels)
          ctx.addIssue({
            code: 'custom',
            path: ['input', 'normalise', k],
            message: `must be one number or one per channel (${m.input.channels})`
          })
    }
  })
export type OnnxManifest = z.infer<typeof OnnxManifestSchema>

// ---- glyphdesk-cnn-head: a head fine-tuned on a base CNN's embeddings (recognize/cnnHead.ts) ----

export const CnnHeadBaseRefSchema = z
  .object({
    /** The base model's name (a shipped model's name when shipped). */
    name: z.string().min(1),
    shipped: z.boolean(),
    /** Absolute directory of a base that is not shipped. */
    dir: z.string().optional(),
    /** SHA-256 of the base's ONNX file, checked at load. */
    modelSha256: sha256,
    embeddingDim: z.int().positive().max(MODEL_LIMITS.maxWidth)
  })
  .refine((b) => b.shipped || typeof b.dir === 'string', {
    message: 'a base that is not shipped needs its "dir"',
    path: ['dir']
  })
export type CnnHeadBaseRef = z.infer<typeof CnnHeadBaseRefSchema>

export const CnnHeadManifestSchema = z.object({
  format: z.literal(CNN_HEAD_FORMAT),
  formatVersion: z.literal(FORMAT_VERSIONS[CNN_HEAD_FORMAT]),
  kind: z.literal('cnn-head'),
  name: z.string().default(''),
  base: CnnHeadBaseRefSchema,
  /** The head's own MLP model directory, inside this one. */
  head: fileInModelDir.default('head'),
  card: ModelCardSchema.default({})
})
export type CnnHeadManifest = z.infer<typeof CnnHeadManifestSchema>

export const ModelManifestSchema = z.discriminatedUnion('format', [
  MlpManifestSchema,
  OnnxManifestSchema,
  CnnHeadManifestSchema
])
export type ModelManifest = z.infer<typeof ModelManifestSchema>

/** What a model is, for lists: 'mlp', 'cnn' (Glyphdesk's CNNs), 'onnx' (other ONNX models), 'cnn-head'. */
export function manifestKind(m: ModelManifest): string {
  return m.kind
}

/** A plain JSON object (not null, not an array): its keys can be read, a missing one reads as undefined. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Brings an older manifest to the current version, or says why it cannot. Version 1 is the first
 * versioned format; cards without `formatVersion` predate the field and are read as version 1.
 */
export function migrateManifest(
  raw: unknown
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (!isRecord(raw)) return { ok: false, error: 'must be a JSON object' }
  const format = raw['format']
  if (!isModelFormat(format))
    return {
      ok: false,
      error: `"format" must be one of ${Object.keys(FORMAT_VERSIONS).join(', ')} (got ${JSON.stringify(format) ?? 'nothing'})`
    }
  const current: number = FORMAT_VERSIONS[format]
  const version = raw['formatVersion'] ?? 1
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    return { ok: false, error: `"formatVersion" must be a positive integer (got ${JSON.stringify(version)})` }
  if (version > current)
    return {
      ok: false,
      error: `"formatVersion" ${version} was written by a newer Glyphdesk; this build reads ${format} up to version ${current}`
    }
  // Future migrations go here, one step per version: if (version === 1) { …; version = 2 }.
  return { ok: true, value: { ...raw, formatVersion: current } }
}

/** What to write when a required field is missing. */
const MISSING_HINTS: Record<string, string> = {
  classes: 'give the label of every logit, in order, e.g. ["A", …, "Z", "0", …, "9"]',
  input: 'give {size, channels, layout, background, ink}'
}

/** The zod issues as one line that names each wrong field, e.g. `"input.size": Too big: expected number to be <=1024`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => {
      const field = i.path.join('.')
      const missing = i.code === 'invalid_type' && /received undefined$/.test(i.message)
      const what = missing ? `is missing${MISSING_HINTS[field] ? `: ${MISSING_HINTS[field]}` : ''}` : i.message
      return `${field ? `"${field}"` : 'the file'}${missing ? ' ' : ': '}${what}`
    })
    .join('; ')
}

/** Parses a model.json's JSON value; on failure the message names the wrong field. */
export function parseModelManifest(raw: unknown): { ok: true; manifest: ModelManifest } | { ok: false; error: string } {
  const migrated = migrateManifest(raw)
  if (!migrated.ok) return migrated
  const parsed = ModelManifestSchema.safeParse(migrated.value)
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) }
  return { ok: true, manifest: parsed.data }
}
