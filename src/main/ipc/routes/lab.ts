// lab.* routes: the experiment reports `glyphdesk experiment` wrote, for the Lab view.
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'

export function createLabRoutes(
  d: Pick<AppContext, 'lab' | 'labFileUrl' | 'files'>
): Pick<RouteHandlers, 'lab.list' | 'lab.report' | 'lab.file'> {
  return {
    'lab.list': async ({ dir }) => {
      if (dir !== undefined) d.lab.setDir(d.files.check(dir, 'read', 'lab.list'))
      return { dir: d.lab.dir, experiments: await d.lab.list() }
    },
    // Pictures travel as URLs: browser mode serves them under /files/lab/, Electron sends data URLs.
    'lab.report': async ({ name }) => {
      const report = await d.lab.report(name)
      const images: Record<string, string> = {}
      // A picture that cannot be served (missing, or a link out of the folder) is left out, not the whole report.
      for (const img of report.images) {
        const url = await d.labFileUrl(name, img.file).catch(() => null)
        if (url) images[img.file] = url
      }
      return { name, report, images }
    },
    'lab.file': async ({ name, file }) => ({ url: await d.labFileUrl(name, file) })
  }
}
