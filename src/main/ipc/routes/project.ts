// project.* routes: save (atomic; the autosave file by default) and load (validated first, so a
// bad file changes nothing in the renderer either: it only replaces its state on success).
import { resolve } from 'node:path'
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'
import { loadProject, saveProject } from '../../project/projectFile.ts'
import { autosavePath } from './app.ts'

export function createProjectRoutes(d: Pick<AppContext, 'userDataDir' | 'settings' | 'onRecent'>): Pick<RouteHandlers, 'project.save' | 'project.load'> {
  return {
    'project.save': async ({ project, path }) => {
      const target = path ? resolve(path) : autosavePath(d.userDataDir)
      await saveProject(target, project)
      if (path) {
        await d.settings.addRecent(target)
        d.onRecent?.(target)
      }
      return { path: target }
    },
    'project.load': async ({ path }) => {
      const target = path ? resolve(path) : autosavePath(d.userDataDir)
      const project = await loadProject(target)
      if (path) {
        await d.settings.addRecent(target)
        d.onRecent?.(target)
      }
      return { path: target, project }
    }
  }
}
