// Where Glyphdesk keeps what a person makes: settings, recent files, user models, autosave and
// exports. The same folder Electron's app.getPath('userData') names, so browser mode and the
// desktop app share models and projects. GLYPHDESK_DATA_DIR (or `serve --data-dir`) overrides it.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../core/atomicFile.ts'

export { defaultUserDataDir } from '../core/userDataDir.ts'

const SettingsSchema = z.object({
  defaultModel: z.string().nullable().default(null),
  glyphSetDir: z.string().nullable().default(null),
  recent: z.array(z.string()).default([])
})
export type Settings = z.infer<typeof SettingsSchema>

const RECENT_MAX = 12

/** settings.json in the user data folder; a missing or unreadable file means defaults. */
export class SettingsStore {
  private value: Settings
  readonly file: string

  constructor(readonly dir: string) {
    this.file = join(dir, 'settings.json')
    let raw: unknown = {}
    try {
      if (existsSync(this.file)) raw = JSON.parse(readFileSync(this.file, 'utf8'))
    } catch {
      raw = {}
    }
    const parsed = SettingsSchema.safeParse(raw)
    this.value = parsed.success ? parsed.data : SettingsSchema.parse({})
  }

  get(): Settings {
    return { ...this.value, recent: [...this.value.recent] }
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    this.value = { ...this.value, ...patch }
    await writeFileAtomic(this.file, JSON.stringify(this.value, null, 2) + '\n')
    return this.get()
  }

  async addRecent(path: string): Promise<void> {
    const recent = [path, ...this.value.recent.filter((p) => p !== path)].slice(0, RECENT_MAX)
    await this.update({ recent })
  }
}
