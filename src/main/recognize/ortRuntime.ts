// onnxruntime-node loaded on first use with require (it is a CommonJS package), not import(): the CLI runs as one
// script with a V8 code cache (bin/cliBundle.mjs), and a script run that way cannot import() on Node 20.
import { createRequire } from 'node:module'
import './ortTelemetry.ts' // ORT_DISABLE_TELEMETRY=1 before the first session

type Ort = typeof import('onnxruntime-node')

let ort: Ort | null = null

function isOrt(v: unknown): v is Ort {
  return typeof v === 'object' && v !== null && 'InferenceSession' in v && 'Tensor' in v
}

/** The onnxruntime-node module, loaded once; throws where it cannot load (no binary for this platform). */
export function requireOrt(): Ort {
  if (ort) return ort
  const loaded: unknown = createRequire(import.meta.url)('onnxruntime-node')
  if (!isOrt(loaded)) throw new Error('onnxruntime-node did not load as the onnxruntime module')
  ort = loaded
  return ort
}
