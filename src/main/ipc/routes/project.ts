// project.* routes: save (atomic; the autosave file by default) and load (validated first, so a
// bad file changes nothing in the renderer either: it only replaces its state on success).
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'
import { loadProject, saveProject } from '../../project/projectFile.ts'
import { autosavePath } from './app.ts'

export function createProjectRoutes(
  d: Pick<AppContext, 'userDataDir' | 'settings' | 'onRecent' | 'files'>
): Pick<RouteHandlers, 'project.save' | 'project.load'> {
  return {
    'project.save': async ({ project, path }) => {
      const target = path ? d.files.check(path, 'write', 'project.save') : autosavePath(d.userDataDir)
      await saveProject(target, project)
      if (path) {
        await d.settings.addRecent(target)
        d.onRecent?.(target)
      }
      return { path: target }
    },
    'project.load': async ({ path }) => {
      const target = path ? d.files.check(path, 'read', 'project.load') : autosavePath(d.userDataDir)
      const project = await loadProject(target)
      // The person chose this project, so the page images it names may be opened.
      for (const p of project.pages) d.files.grant(p.doc.image.path, 'read')
      if (path) {
        await d.settings.addRecent(target)
        d.onRecent?.(target)
      }
      return { path: target, project }
    }
  }
}
