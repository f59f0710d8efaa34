// The IPC contract: every route the renderer can call and every event main can send, as zod
// schemas. Main validates inputs and outputs against these (ipc/registry.ts), the preload bridge
// and the HTTP server are built from this catalog, and the renderer's typed client is derived
// from it, so a route name or a payload shape lives in exactly one place.
import { z } from 'zod'
import { CLASSES } from './classes.ts'
import { ExperimentReportSchema } from './labReport.ts'
import { PAGE_FORMATS, PageBoxSchema, PageDocSchema, PageIndexSchema } from './pagedoc.ts'

const Label = z.string().refine((s) => CLASSES.includes(s), { message: 'not one of the 36 classes (A–Z, 0–9)' })
const Empty = z.object({}).strict()
const Ok = z.object({ ok: z.literal(true) })

/** A 32×32 glyph as the model saw it: 1024 bytes (0 = ink … 255 = paper), base64. */
export const GlyphPreviewSchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]+=*$/)
  .max(1400)

export const PredictionSchema = z.object({
  id: z.string(),
  label: Label.optional(),
  confidence: z.number().min(0).max(1).optional(),
  top3: PageBoxSchema.shape.top3,
  glyph: GlyphPreviewSchema
})

export const OpenedPageSchema = z.object({
  /** Stable id of the page image in this run (serves its bitmap). */
  pageId: z.string(),
  doc: PageDocSchema,
  glyphs: z.record(z.string(), GlyphPreviewSchema),
  warnings: z.array(z.string()),
  /** The file holds this many pages (a multi-page TIFF); the others are opened with pages.open's `page`. */
  pages: z.number().int().min(2).optional()
})

/** A file the route reads: a path on this computer, or its bytes sent by the renderer (browser upload). */
export const FileSourceSchema = z.union([
  z.object({ path: z.string().min(1) }).strict(),
  // 32 MB (the largest OCR file imported) in base64, plus room for a page photo.
  z.object({ name: z.string().min(1).max(255), base64: z.string().min(1).max(90_000_000) }).strict()
])

/** What an import of another tool's OCR file brought in (interchange/import.ts ImportReport). */
export const ImportReportSchema = z.object({
  format: z.enum(PAGE_FORMATS),
  version: z.string(),
  tool: z.string(),
  lines: z.number().int(),
  words: z.number().int(),
  wordsWithFileGlyphs: z.number().int(),
  alignedWords: z.number().int(),
  unalignedWords: z.number().int(),
  emptyWords: z.number().int(),
  boxes: z.number().int()
})

export const ModelInfoSchema = z.object({
  name: z.string(),
  kind: z.string(),
  shipped: z.boolean(),
  isDefault: z.boolean(),
  /** Can be the base of a retrain (the from-scratch MLP). */
  trainable: z.boolean(),
  /** Loadable by this build (an ONNX model without its runtime is listed but not usable). */
  usable: z.boolean(),
  created: z.string().optional(),
  accuracy: z.number().optional(),
  /** What `accuracy` was measured on (absent with it when nothing was measured: never a 0% for "unknown"). */
  accuracyOf: z.string().optional(),
  description: z.string().optional()
})

export const TrainConfigSchema = z.object({
  baseModel: z.string().min(1),
  /** Name of the new model; made unique, never the name of a shipped model. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash or underscore (max 64)')
    .optional(),
  epochs: z.number().int().min(1).max(200).default(12),
  lr: z.number().positive().max(1).default(0.0005),
  batch: z.number().int().min(1).max(1024).default(32),
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  momentum: z.number().min(0).max(0.999).default(0),
  /** Share of the corrections held out (not trained on) to measure before/after; 0: every correction trains. */
  heldOut: z.number().min(0).max(0.9).default(0),
  /** Replay glyphs per class: from glyphSetDir when given, else from the replay set shipped with the models. */
  replayPerClass: z.number().int().min(0).max(2000).default(30),
  glyphSetDir: z.string().optional(),
  /** Score the corrections by cross-validation (leave one page out, or k-fold on one page). */
  crossValidate: z.boolean().default(true),
  seed: z.number().int().min(0).default(1)
})
export type TrainRequest = z.input<typeof TrainConfigSchema>

/** A correction to look at again before training (recognize/guard.ts). */
export const SuspectSchema = z.object({
  /** Index of the page in the request's docs. */
  page: z.number().int().nonnegative(),
  boxId: z.string(),
  label: z.string(),
  reason: z.enum(['confident-other', 'unlike-label']),
  modelSays: z.string(),
  p: z.number(),
  similarity: z.number().optional(),
  floor: z.number().optional(),
  glyph: GlyphPreviewSchema
})
export type Suspect = z.infer<typeof SuspectSchema>
export type TrainConfigInput = z.infer<typeof TrainConfigSchema>

export const EpochPointSchema = z.object({
  epoch: z.number().int(),
  trainLoss: z.number(),
  trainAcc: z.number(),
  validLoss: z.number().optional(),
  validAcc: z.number().optional(),
  seconds: z.number()
})

export const TrainResultSchema = z.object({
  model: z.string(),
  dir: z.string(),
  trainGlyphs: z.number().int(),
  corrections: z.number().int(),
  replay: z.number().int(),
  heldOut: z.number().int(),
  before: z.number().nullable(),
  after: z.number().nullable(),
  confusion: z.array(z.array(z.number().int())).nullable(),
  classes: z.array(z.string()),
  /** What the new model was measured on (learn/finetune.ts FinetuneEvaluation). */
  evaluation: z
    .object({
      corrections: z.object({ n: z.number().int(), base: z.number(), trained: z.number() }),
      crossValidated: z
        .object({
          method: z.enum(['leave-one-page-out', 'k-fold']),
          folds: z.number().int(),
          n: z.number().int(),
          base: z.number(),
          after: z.number()
        })
        .nullable(),
      replayCheck: z.object({ n: z.number().int(), source: z.string(), base: z.number(), after: z.number() }).nullable()
    })
    .optional()
})
export type TrainResult = z.infer<typeof TrainResultSchema>

export const JobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled'])
export const JobStatusSchema = z.object({
  id: z.string(),
  kind: z.literal('train'),
  state: JobStateSchema,
  /** Increases with every event of this job; a view that saw a gap asks for the status again. */
  seq: z.number().int().nonnegative(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  batch: z.number().int(),
  batches: z.number().int(),
  lastLoss: z.number().nullable(),
  curves: z.array(EpochPointSchema),
  result: TrainResultSchema.optional(),
  error: z.string().optional(),
  message: z.string().optional()
})
export type JobStatus = z.infer<typeof JobStatusSchema>

export const PageExportFormatSchema = z.enum(['txt', 'json', 'hocr', 'alto', 'page'])

export const ProjectPageSchema = z.object({ doc: PageDocSchema })
export const ProjectSchema = z.object({
  format: z.literal('glyphdesk-project'),
  version: z.literal(1),
  pages: z.array(ProjectPageSchema),
  current: z.number().int().nonnegative().default(0),
  /** User models this project made (names in the user model folder). */
  models: z.array(z.string()).default([]),
  savedAt: z.string().optional()
})
export type Project = z.infer<typeof ProjectSchema>

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  mode: z.enum(['electron', 'browser']),
  platform: z.string(),
  userDataDir: z.string(),
  sample: z.string(),
  defaultModel: z.string().nullable(),
  glyphSetDir: z.string().nullable(),
  /** An autosaved project exists (restored on start: nothing is lost after a crash). */
  autosave: z.boolean(),
  recent: z.array(z.string())
})

/** One experiment folder of the Lab's reports directory; a report that does not validate says why. */
export const LabEntrySchema = z.discriminatedUnion('ok', [
  z.object({
    name: z.string(),
    ok: z.literal(true),
    title: z.string(),
    seed: z.number(),
    charts: z.number().int(),
    images: z.number().int(),
    tables: z.number().int(),
    /** The first sentence of the report's summary. */
    summary: z.string().nullable()
  }),
  z.object({ name: z.string(), ok: z.literal(false), error: z.string() })
])
export type LabEntry = z.infer<typeof LabEntrySchema>

const ExperimentDirName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'an experiment folder name (letters, digits, - or _)')

function route<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc }
}

/** Every route: name → {input, output}. */
export const ROUTES = {
  'app.info': route(Empty, AppInfoSchema, 'what is running, where its data lives'),
  'app.settings': route(
    z.object({ glyphSetDir: z.string().nullable().optional(), defaultModel: z.string().optional() }).strict(),
    z.object({ glyphSetDir: z.string().nullable(), defaultModel: z.string().nullable() }),
    'change settings (omitted keys stay)'
  ),
  'pages.openSample': route(
    z.object({ model: z.string().optional() }).strict(),
    OpenedPageSchema,
    'open and transcribe the bundled sample page'
  ),
  'pages.open': route(
    z
      .object({
        path: z.string().min(1),
        model: z.string().optional(),
        /** Which page of a multi-page TIFF, from 0 (default 0). */
        page: PageIndexSchema.optional()
      })
      .strict(),
    OpenedPageSchema,
    'open and transcribe a page image on disk (one page of a multi-page TIFF)'
  ),
  'pages.openBytes': route(
    z.object({ name: z.string().min(1).max(255), base64: z.string().min(1), model: z.string().optional() }).strict(),
    OpenedPageSchema,
    'open an image sent by the renderer (drag-and-drop, browser file picker)'
  ),
  'pages.attach': route(
    z.object({ doc: PageDocSchema }).strict(),
    z.object({ pageId: z.string(), glyphs: z.record(z.string(), GlyphPreviewSchema) }),
    "register a saved PageDoc's image (project load) and get its glyph previews"
  ),
  'pages.import': route(
    z
      .object({
        ocr: FileSourceSchema,
        image: FileSourceSchema.optional(),
        /** The model whose reading stage cuts words without glyph boxes into glyphs (default: the default model). */
        model: z.string().optional()
      })
      .strict(),
    OpenedPageSchema.extend({ report: ImportReportSchema }),
    "open another tool's hOCR, ALTO or PAGE XML with its page image for review (the image defaults to the one the file names, beside it); nothing changes when it fails"
  ),
  'pages.image': route(
    z.object({ pageId: z.string().min(1) }).strict(),
    z.object({ url: z.string() }),
    'a URL for the page bitmap'
  ),
  'pages.recognize': route(
    z.object({ doc: PageDocSchema, boxIds: z.array(z.string()).max(100_000), model: z.string().optional() }).strict(),
    z.object({ model: z.string(), predictions: z.array(PredictionSchema) }),
    're-read the named boxes of a (possibly edited) page'
  ),
  'models.list': route(Empty, z.array(ModelInfoSchema), 'shipped and user models'),
  'models.card': route(
    z.object({ name: z.string().min(1) }).strict(),
    z.object({ name: z.string(), card: z.record(z.string(), z.unknown()) }),
    "a model's card"
  ),
  'models.setDefault': route(z.object({ name: z.string().min(1) }).strict(), Ok, 'make a model the default'),
  'models.remove': route(
    z.object({ name: z.string().min(1) }).strict(),
    Ok,
    'delete a model the person made (never a shipped one); the default falls back'
  ),
  'train.start': route(
    z.object({ config: TrainConfigSchema, docs: z.array(PageDocSchema).min(1) }).strict(),
    z.object({ jobId: z.string() }),
    'retrain a model on the corrections of the given pages (a worker job)'
  ),
  'train.check': route(
    z.object({ baseModel: z.string().min(1), docs: z.array(PageDocSchema).min(1) }).strict(),
    z.object({ corrections: z.number().int(), suspects: z.array(SuspectSchema) }),
    'before a retrain: corrections that contradict a confident reading or look like no example of their label'
  ),
  'jobs.status': route(
    z.object({ id: z.string().min(1) }).strict(),
    JobStatusSchema,
    "a job's full state (resync after missed events)"
  ),
  'jobs.cancel': route(
    z.object({ id: z.string().min(1) }).strict(),
    JobStatusSchema,
    'stop a job after its current batch'
  ),
  'export.page': route(
    z.object({ doc: PageDocSchema, format: PageExportFormatSchema, path: z.string().optional() }).strict(),
    z.object({ text: z.string(), fileName: z.string(), mime: z.string(), path: z.string().optional() }),
    'a page as text, JSON, hOCR, ALTO or PAGE XML (written to path when given)'
  ),
  'export.glyphs': route(
    z
      .object({
        docs: z.array(PageDocSchema).min(1),
        format: z.enum(['png', 'binary']),
        onlyCorrected: z.boolean().default(false),
        outDir: z.string().optional()
      })
      .strict(),
    z.object({ dir: z.string(), count: z.number().int(), files: z.array(z.string()) }),
    'the labelled glyph dataset: 32×32 PNGs or idx binary, plus labels.csv'
  ),
  'project.save': route(
    z.object({ project: ProjectSchema, path: z.string().optional() }).strict(),
    z.object({ path: z.string() }),
    'save a project atomically (default: the autosave file)'
  ),
  'project.load': route(
    z.object({ path: z.string().optional() }).strict(),
    z.object({ path: z.string(), project: ProjectSchema }),
    'load a project (default: the autosave); nothing changes on failure'
  ),
  'lab.list': route(
    z.object({ dir: z.string().min(1).optional() }).strict(),
    z.object({ dir: z.string(), experiments: z.array(LabEntrySchema) }),
    'experiment reports in the reports folder (default docs/experiments; `dir` switches it for this run)'
  ),
  'lab.report': route(
    z.object({ name: ExperimentDirName }).strict(),
    z.object({ name: z.string(), report: ExperimentReportSchema, images: z.record(z.string(), z.string()) }),
    "an experiment's validated report.json, with a URL for each of its pictures"
  ),
  'lab.file': route(
    z
      .object({
        name: ExperimentDirName,
        file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.(svg|png)$/, 'a .svg or .png file of the report')
      })
      .strict(),
    z.object({ url: z.string() }),
    'a URL for a chart (SVG) or picture (PNG) the report names'
  ),
  'recent.list': route(Empty, z.array(z.string()), 'recently opened pages and projects'),
  'dialog.open': route(
    z.object({ kind: z.enum(['page', 'project', 'folder']) }).strict(),
    z.object({ path: z.string().nullable() }),
    'native open dialog for a page, a project or a folder (Electron only; null when cancelled or unavailable)'
  ),
  'dialog.save': route(
    z
      .object({
        defaultName: z.string(),
        filters: z.array(z.object({ name: z.string(), extensions: z.array(z.string()) })).default([])
      })
      .strict(),
    z.object({ path: z.string().nullable() }),
    'native save dialog (Electron only)'
  )
} as const

export type Routes = typeof ROUTES
export type RouteName = keyof Routes
export type RouteInput<N extends RouteName> = z.input<Routes[N]['input']>
export type RouteParsedInput<N extends RouteName> = z.infer<Routes[N]['input']>
export type RouteOutput<N extends RouteName> = z.infer<Routes[N]['output']>

/** Every event main sends: name → payload schema. */
export const EVENTS = {
  'job.progress': JobStatusSchema,
  'menu.command': z.object({
    command: z.enum([
      'open',
      'openProject',
      'save',
      'saveAs',
      'export',
      'undo',
      'redo',
      'help',
      'zoomFit',
      'zoomActual',
      'zoomIn',
      'zoomOut',
      'openRecent'
    ]),
    path: z.string().optional()
  })
} as const
export type Events = typeof EVENTS
export type EventName = keyof Events
export type EventPayload<N extends EventName> = z.infer<Events[N]>

/** What travels back over the invoke channel / HTTP body: a value or an error a person can read. */
export type InvokeReply =
  { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; status: number } }

/** The two physical channels: one request/response, one event stream. */
export interface Transport {
  invoke(route: string, input: unknown): Promise<InvokeReply>
  subscribe(listener: (name: string, payload: unknown) => void): () => void
}

export const INVOKE_CHANNEL = 'glyphdesk:invoke'
export const EVENT_CHANNEL = 'glyphdesk:event'

/** A route failed in main; carries main's error name and message. */
export class RouteCallError extends Error {
  constructor(
    readonly route: string,
    readonly errorName: string,
    message: string,
    readonly status: number
  ) {
    super(message)
    this.name = errorName
  }
}

type Split<S extends string> = S extends `${infer A}.${infer B}` ? [A, B] : never
type Domains = Split<RouteName>[0]
type MethodsOf<D extends string> = {
  [N in RouteName as Split<N>[0] extends D ? Split<N>[1] : never]: (input: RouteInput<N>) => Promise<RouteOutput<N>>
}

export type GlyphdeskClient = { [D in Domains]: MethodsOf<D> } & {
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void
}

/** True for a name the contract defines an event for (a transport may deliver any string). */
export function isEventName(n: string): n is EventName {
  return Object.hasOwn(EVENTS, n)
}

/**
 * A typed client over any transport: `client.pages.open({path})`. Outputs and events are
 * validated here too, so a renderer never works on a shape the contract does not promise.
 */
export function createClient(transport: Transport): GlyphdeskClient {
  const client: Record<string, Record<string, unknown>> = {}
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const [domain, method] = name.split('.') as [string, string]
    client[domain] ??= {}
    client[domain][method] = async (input: unknown) => {
      const reply = await transport.invoke(name, input ?? {})
      if (!reply.ok) throw new RouteCallError(name, reply.error.name, reply.error.message, reply.error.status)
      return ROUTES[name].output.parse(reply.value)
    }
  }
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  let unsubscribe: (() => void) | null = null
  const on = (name: EventName, listener: (p: unknown) => void) => {
    if (!unsubscribe) {
      unsubscribe = transport.subscribe((n, payload) => {
        if (!isEventName(n)) return
        const schema = EVENTS[n]
        const parsed = schema.safeParse(payload)
        if (!parsed.success) {
          console.warn(`glyphdesk: dropped malformed ${n} event`, parsed.error.message)
          return
        }
        for (const l of listeners.get(n) ?? []) l(parsed.data)
      })
    }
    let set = listeners.get(name)
    if (!set) listeners.set(name, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }
  return Object.freeze({ ...client, on }) as unknown as GlyphdeskClient
}

/** Decodes a glyph preview into 1024 gray bytes. */
export function decodeGlyphPreview(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
