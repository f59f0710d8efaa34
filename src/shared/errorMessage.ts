// The message of anything thrown: an Error's message, else the value as text. Shared so the main process and the
// renderer show a thrown value the same way, without casting what a catch clause receives (unknown).

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
