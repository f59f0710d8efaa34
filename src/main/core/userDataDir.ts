// Where Glyphdesk keeps what a person makes (settings, their own models, autosave, exports): the folder
// Electron's app.getPath('userData') names, so browser mode, the desktop app and the CLI share models.
// GLYPHDESK_DATA_DIR (or `serve --data-dir`, which sets it) overrides it. A floor module: node only.
import { homedir } from 'node:os'
import { join } from 'node:path'

export function defaultUserDataDir(): string {
  if (process.env['GLYPHDESK_DATA_DIR']) return process.env['GLYPHDESK_DATA_DIR']
  const home = homedir()
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'glyphdesk')
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'glyphdesk')
  return join(process.env['XDG_CONFIG_HOME'] ?? join(home, '.config'), 'glyphdesk')
}

/** The person's own models (made by retraining in the app or `glyphdesk finetune --out` there). */
export function userModelsDir(): string {
  return join(defaultUserDataDir(), 'models')
}
