// What the route factories may depend on. Each factory takes only the parts it needs; the hosts
// (Electron main, the HTTP server) build one AppContext and hand it to createRoutes.
import { join } from 'node:path'
import { GLYPHDESK_VERSION } from '../core/version.ts'
import { JobRunner } from '../jobs/runner.ts'
import { ModelCatalog } from '../project/modelCatalog.ts'
import { PageSessions, type PageSession } from '../project/pageSessions.ts'
import { SettingsStore } from '../project/userData.ts'
import { RESOURCES_DIR } from '../recognize/models.ts'
import { EventBus } from '../core/events.ts'
import { LabReports } from './labReports.ts'

export interface Dialogs {
  open(kind: 'page' | 'project'): Promise<string | null>
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
}): AppContext {
  const events = new EventBus()
  const settings = new SettingsStore(opts.userDataDir)
  const lab = new LabReports(opts.labDir)
  return {
    mode: opts.mode,
    version: GLYPHDESK_VERSION,
    userDataDir: opts.userDataDir,
    sample: SAMPLE_PAGE,
    settings,
    models: new ModelCatalog(opts.userDataDir, settings),
    pages: new PageSessions(),
    jobs: new JobRunner(events),
    events,
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
    dialogs: opts.dialogs ?? null,
    onRecent: opts.onRecent
  }
}
