// What the route factories may depend on. Each factory takes only the parts it needs; the hosts
// (Electron main, the HTTP server) build one AppContext and hand it to createRoutes.
import { join } from 'node:path'
import { GLYPHDESK_VERSION } from '../cli/version.ts'
import { JobRunner } from '../jobs/runner.ts'
import { ModelCatalog } from '../project/modelCatalog.ts'
import { PageSessions, type PageSession } from '../project/pageSessions.ts'
import { SettingsStore } from '../project/userData.ts'
import { RESOURCES_DIR } from '../recognize/models.ts'
import { EventBus } from './events.ts'

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
  dialogs: Dialogs | null
  /** Called when a page or project is opened or saved (Electron adds it to the OS recent list). */
  onRecent?(path: string): void
}

export const SAMPLE_PAGE = join(RESOURCES_DIR, 'samples', '01_list.jpg')

export function createAppContext(opts: {
  mode: AppContext['mode']
  userDataDir: string
  imageUrl: AppContext['imageUrl']
  dialogs?: Dialogs | null
  onRecent?: (path: string) => void
}): AppContext {
  const events = new EventBus()
  const settings = new SettingsStore(opts.userDataDir)
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
    dialogs: opts.dialogs ?? null,
    onRecent: opts.onRecent
  }
}
