// Fonts are registered with @napi-rs/canvas's process-wide GlobalFonts once each, under a stable alias, by
// whichever of the synthetic renderer, the page composer or the look-alike measure draws with one first.
import { GlobalFonts } from '@napi-rs/canvas'

const registered = new Map<string, string>()

/** The alias under which `file` is registered, registering it on first use. */
export function fontAlias(file: string): string {
  let alias = registered.get(file)
  if (alias === undefined) {
    alias = `glyphdesk-font-${registered.size}`
    if (!GlobalFonts.registerFromPath(file, alias)) throw new Error(`Could not load font ${file}`)
    registered.set(file, alias)
  }
  return alias
}
