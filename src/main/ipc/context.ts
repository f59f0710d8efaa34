// What the route factories may depend on. Each factory takes only the parts it needs; the hosts
// (Electron main, the HTTP server) build one AppContext and hand it to createRoutes.
import { join } from 'node:path'
import { GLYPHDESK_VERSION } from '../core/version.ts'
import { JobRunner } from '../jobs/runner.ts'
import { FileAccess } from '../project/fileAccess.ts'
import { setOnnxBatch } from '../recognize/onnxBatch.ts'
import { ModelCatalog } from '../project/modelCatalog.ts'
import { PageSessions, type PageSession } from '../project/pageSessions.ts'
import { SettingsStore } from '../project/userData.ts'
import { RESOURCES_DIR } from '../recognize/models.ts'
import { EventBus } from '../core/events.ts'
import { LabReports } from './labReports.ts'

export interface Dialogs {
  open(kind: 'page' | 'project' | 'folder'): Promise<string | null>
  save(defaultName: string, filters: { name: string; extensions: string[] }[]): Promise<string | null>
}

export interface AppContext {
  mode: 'electron' | 'browser'
  version: string
  userDataDir: string
  sample: string
  settings: SettingsStore
  models: ModelCatalog
  pages: PageSessions
  jobs: JobRunner
  events: EventBus
  /** Which files routes may read or write: the data folder, shipped resources, and what the person chose. */
  files: FileAccess
  /** How the renderer reaches a page's bitmap: an HTTP URL (browser mode) or a data URL (Electron). */
  imageUrl(session: PageSession): Promise<string>
  /** The experiment reports of the Lab view. */
  lab: LabReports
  /** How the renderer reaches a report's SVG or PNG: an HTTP URL (browser mode) or a data URL. */
  labFileUrl(name: string, file: string): Promise<string>
  dialogs: Dialogs | null
  /** Called when a page or project is opened or saved (Electron adds it to the OS recent list). */
  onRecent?(path: string): void
}

export const SAMPLE_PAGE = join(RESOURCES_DIR, 'samples', '01_list.jpg')

export function createAppContext(opts: {
  mode: AppContext['mode']
  userDataDir: string
  imageUrl: AppContext['imageUrl']
  /** The Lab's reports folder (default: GLYPHDESK_LAB_DIR, else the project's docs/experiments). */
  labDir?: string
  /** Default: a data URL of the file (checked by LabReports.file first in every case). */
  labFileUrl?: AppContext['labFileUrl']
  dialogs?: Dialogs | null
  onRecent?: (path: string) => void
  /** Folders routes may also read and write (`serve --allow DIR`). */
  allow?: string[]
}): AppContext {
  const events = new EventBus()
  const settings = new SettingsStore(opts.userDataDir)
  const lab = new LabReports(opts.labDir)
  // Recognition runs on this thread (the one that answers routes): small onnxruntime batches (recognize/onnxBatch.ts).
  setOnnxBatch(16)
  const files = new FileAccess({ dataDir: opts.userDataDir, readRoots: [RESOURCES_DIR, lab.dir], allow: opts.allow })
  // The recent list only ever holds files opened or saved through the checks below; a project on it may be saved again.
  for (const p of settings.get().recent) files.grant(p, p.endsWith('.glyphdesk') ? 'write' : 'read')
  // Likewise the glyph set folder: app.settings only stores a folder that passed the check.
  const glyphSetDir = settings.get().glyphSetDir
  if (glyphSetDir) files.grantFolder(glyphSetDir)
  const dialogs = opts.dialogs ? grantChoices(opts.dialogs, files) : null
  return {
    mode: opts.mode,
    version: GLYPHDESK_VERSION,
    userDataDir: opts.userDataDir,
    sample: SAMPLE_PAGE,
    settings,
    models: new ModelCatalog(opts.userDataDir, settings),
    pages: new PageSessions(files),
    jobs: new JobRunner(events),
    events,
    files,
    imageUrl: opts.imageUrl,
    lab,
    labFileUrl: async (name, file) => {
      if (opts.labFileUrl) {
        await lab.resolveFile(name, file)
        return opts.labFileUrl(name, file)
      }
      const { mime, bytes } = await lab.file(name, file)
      return `data:${mime};base64,${bytes.toString('base64')}`
    },
    dialogs,
    onRecent: opts.onRecent
  }
}

/** A path the person picked in a native dialog may be used: read for opened files, written for saved ones. */
function grantChoices(d: Dialogs, files: FileAccess): Dialogs {
  return {
    async open(kind) {
      const path = await d.open(kind)
      // A project opened from disk is saved back to the same file.
      if (path && kind === 'folder') files.grantFolder(path)
      else if (path) files.grant(path, kind === 'project' ? 'write' : 'read')
      return path
    },
    async save(defaultName, filters) {
      const path = await d.save(defaultName, filters)
      if (path) files.grant(path, 'write')
      return path
    }
  }
}
