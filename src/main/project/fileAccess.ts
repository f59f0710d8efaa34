// Which files a route may read or write on the person's behalf. A route input is a string anyone holding
// the token (browser mode) or a compromised renderer (Electron) can choose, so paths are not trusted:
// a route reaches a file only when it lies inside
//   - the user data folder (uploads, autosave, settings, user models, exports) — read and write;
//   - a read-only root: the shipped resources (models, sample pages) and the Lab's reports folder;
//   - a path the person chose: through a native dialog (Electron), a project they loaded (its pages'
//     images), the recent list (entries only ever come from the above), or `serve --allow DIR`;
//   - a folder the person chose through the folder dialog (the replay glyph set) — read, with what is in it.
// The refusal is the same sentence whether the file exists or not, so it is no existence oracle, and it
// happens before anything touches the file.
import { AccessDeniedError } from '../core/errors.ts'
import { realpathSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'

/** A route named a file outside what Glyphdesk may touch for it. */
export class FileAccessError extends AccessDeniedError {
  override name = 'FileAccessError'
}

export type AccessMode = 'read' | 'write'

/** The path with every symlink in its existing part resolved (a link inside an allowed folder pointing out is outside). */
function realish(path: string): string {
  let p = resolve(path)
  const rest: string[] = []
  for (;;) {
    try {
      return resolve(realpathSync(p), ...rest)
    } catch {
      const parent = dirname(p)
      if (parent === p) return resolve(path)
      rest.unshift(p.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)))
      p = parent
    }
  }
}

function inside(root: string, path: string): boolean {
  const r = relative(root, path)
  return r === '' || (!r.startsWith('..') && !isAbsolute(r))
}

export class FileAccess {
  private readonly writable: string[] = []
  private readonly readable: string[] = []
  /** Single files or folders the person chose, with what they may be used for. */
  private readonly chosen = new Map<string, AccessMode>()
  /** Folders the person chose to read from (the glyph set folder): everything inside may be read. */
  private readonly chosenTrees: string[] = []

  constructor(opts: { dataDir: string; readRoots?: string[]; allow?: string[] }) {
    this.writable.push(realish(opts.dataDir))
    for (const r of opts.readRoots ?? []) this.readable.push(realish(r))
    for (const a of opts.allow ?? []) this.writable.push(realish(a))
  }

  /** The person chose this path (dialog, project, recent list): it may be used for `mode` from now on. */
  grant(path: string, mode: AccessMode): void {
    const p = realish(path)
    if (this.chosen.get(p) !== 'write') this.chosen.set(p, mode)
  }

  /** The person chose this folder to read from (folder dialog): it and everything in it may be read. */
  grantFolder(path: string): void {
    const p = realish(path)
    if (!this.chosenTrees.includes(p)) this.chosenTrees.push(p)
  }

  allows(path: string, mode: AccessMode): boolean {
    const p = realish(path)
    if (this.writable.some((root) => inside(root, p))) return true
    if (mode === 'read' && [...this.readable, ...this.chosenTrees].some((root) => inside(root, p))) return true
    for (const [c, m] of this.chosen) {
      if ((mode === 'read' || m === 'write') && (c === p || (m === 'write' && inside(c, p)))) return true
    }
    return false
  }

  /** The resolved path, or a FileAccessError that says nothing about the file itself. */
  check(path: string, mode: AccessMode, what: string): string {
    if (!this.allows(path, mode)) {
      throw new FileAccessError(
        `${what}: Glyphdesk ${mode === 'read' ? 'reads' : 'writes'} only files in its data folder or ones you chose ` +
          '(Open/Save dialog, upload, a loaded project); choose the file that way'
      )
    }
    return resolve(path)
  }

  /** check() for a folder to read from: the same refusal, saying how a folder is chosen. */
  checkFolder(path: string, what: string): string {
    if (!this.allows(path, 'read')) {
      throw new FileAccessError(
        `${what}: Glyphdesk reads only folders inside its data folder or ones you chose (Choose… in the app, ` +
          '`glyphdesk serve --allow DIR` in browser mode); choose the folder that way'
      )
    }
    return resolve(path)
  }
}
