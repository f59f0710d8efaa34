// onnxruntime-node 1.30's Linux library carries a telemetry client (Microsoft's 1DS SDK, with a collector
// address built in). Every process that creates an inference session writes an empty /tmp/mat-debug-<pid>.log
// and keeps a session id in /tmp/.ses: a person reading an archive page by page collects one file per run, and
// a desktop tool that reads someone's handwriting should not carry a reporting client switched on. The library
// reads ORT_DISABLE_TELEMETRY when its first session is created; "1" turns the client off (checked by strace:
// neither file is opened). Glyphdesk sets it unless the person has set it themselves.
//
// The variable must reach the real process environment, which only the main thread's process.env does (a
// worker thread's process.env is its own copy): so this runs on import here, on every thread, and the entry
// points (the CLI, the Electron main process) call it before they start workers.

/** Sets ORT_DISABLE_TELEMETRY=1 in `env` unless it is already set; returns the value in effect. */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): string {
  const set = env['ORT_DISABLE_TELEMETRY']
  if (set === undefined || set === '') env['ORT_DISABLE_TELEMETRY'] = '1'
  return env['ORT_DISABLE_TELEMETRY'] ?? '1'
}

disableOrtTelemetry()
