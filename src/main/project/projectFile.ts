// Project files: the pages (their PageDocs) and the user's models of one piece of work, as one
// JSON file written atomically (temp file + fsync + rename), so a crash mid-save leaves the
// previous file. Loading validates everything before returning: a bad file changes nothing.
import { errnoCode, errorMessage, InvalidInputError } from '../core/errors.ts'
import { readFile } from 'node:fs/promises'
import { ProjectSchema, type Project } from '../../shared/contract.ts'
import { writeFileAtomic } from '../core/atomicFile.ts'

export const PROJECT_EXTENSION = 'glyphdesk'

/** A project file that cannot be used, with what the person can do. */
export class ProjectFileError extends InvalidInputError {
  override name = 'ProjectFileError'
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

export async function saveProject(path: string, project: Project): Promise<void> {
  const checked = ProjectSchema.parse({ ...project, savedAt: new Date().toISOString() })
  await writeFileAtomic(path, JSON.stringify(checked, null, 1) + '\n')
}

export async function loadProject(path: string): Promise<Project> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new ProjectFileError(path, `${path} cannot be read (${errnoCode(e) ?? errorMessage(e)})`, { cause: e })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    // JSON.parse quotes the text around the fault; a message must never carry a file's content back.
    const at = /position (\d+)/.exec(errorMessage(e))?.[1]
    throw new ProjectFileError(
      path,
      `${path} is not a Glyphdesk project (not valid JSON${at ? ` at byte ${at}` : ''}); nothing was changed`,
      { cause: e }
    )
  }
  const parsed = ProjectSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new ProjectFileError(
      path,
      `${path} is not a valid Glyphdesk project (${first.path.join('.') || 'file'}: ${first.message}); nothing was changed`
    )
  }
  return parsed.data
}
