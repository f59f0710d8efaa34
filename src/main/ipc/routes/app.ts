// app.*, recent.* and dialog.* routes.
import { existsSync } from 'node:fs'
import { platform } from 'node:os'
import { join } from 'node:path'
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'

type Deps = Pick<
  AppContext,
  'mode' | 'version' | 'userDataDir' | 'sample' | 'settings' | 'models' | 'dialogs' | 'files'
>

export function autosavePath(userDataDir: string): string {
  return join(userDataDir, 'autosave.glyphdesk')
}

export function createAppRoutes(
  d: Deps
): Pick<RouteHandlers, 'app.info' | 'app.settings' | 'recent.list' | 'dialog.open' | 'dialog.save'> {
  return {
    'app.info': () => {
      const s = d.settings.get()
      return {
        name: 'Glyphdesk',
        version: d.version,
        mode: d.mode,
        platform: platform(),
        userDataDir: d.userDataDir,
        sample: d.sample,
        defaultModel: d.models.defaultName(),
        glyphSetDir: s.glyphSetDir,
        autosave: existsSync(autosavePath(d.userDataDir)),
        recent: s.recent.filter((p) => existsSync(p))
      }
    },
    'app.settings': async (input) => {
      if (input.defaultModel !== undefined) await d.models.setDefault(input.defaultModel)
      if (input.glyphSetDir !== undefined) {
        // Checked before it is stored (and before anything looks at the folder): only the data folder or a
        // folder the person chose, like every other path a route takes.
        const dir = input.glyphSetDir && d.files.checkFolder(input.glyphSetDir, 'the glyph set folder')
        await d.settings.update({ glyphSetDir: dir || null })
      }
      return { glyphSetDir: d.settings.get().glyphSetDir, defaultModel: d.models.defaultName() }
    },
    'recent.list': () => d.settings.get().recent.filter((p) => existsSync(p)),
    'dialog.open': async ({ kind }) => ({ path: d.dialogs ? await d.dialogs.open(kind) : null }),
    'dialog.save': async ({ defaultName, filters }) => ({
      path: d.dialogs ? await d.dialogs.save(defaultName, filters) : null
    })
  }
}
