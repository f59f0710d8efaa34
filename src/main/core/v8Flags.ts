// V8 flags changed while the process runs, announced first. The CLI runs with a V8 code cache (bin/cliBundle.mjs)
// that V8 accepts only under the flags it was made with; a cache made after a command changed a flag would be
// rejected by the next ordinary run, which would write it again, and so on. So the bin registers a hook here that
// writes the cache, and the code that changes a flag calls it first.

const HOOK = Symbol.for('glyphdesk.beforeV8FlagsChange')

/** Runs the hook registered for a coming change of V8's flags (the bin's code-cache write), if any. */
export function beforeV8FlagsChange(): void {
  const hook: unknown = Reflect.get(globalThis, HOOK)
  if (typeof hook === 'function') hook()
}
