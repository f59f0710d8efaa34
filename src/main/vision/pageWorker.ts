// Worker thread that decodes and segments page images, off the thread that answers requests: a noise
// page or a hostile image costs this thread seconds, never the server's or the app's. Messages in:
// {id, bytes, name}; out: {id, ok: true, image, seg} (pixel buffers transferred) or {id, ok: false, name, message, category}.
import { errorCategory } from '../core/errors.ts'
import { parentPort } from 'node:worker_threads'
import { loadImage } from './image.ts'
import { segmentScan } from './sheet.ts'

export interface PageWorkRequest {
  id: number
  bytes: Uint8Array
  name: string
  page?: number
}

parentPort?.on('message', (m: PageWorkRequest) => {
  void (async () => {
    try {
      const image = await loadImage(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), {
        name: m.name,
        ...(m.page !== undefined ? { page: m.page } : {})
      })
      // The sheet of a photo on a desk is flattened and segmented alone (vision/sheet.ts).
      const seg = await segmentScan(image)
      // segmentPage's arrays are its own copies and move without copying; the decoder's pixels (which may
      // belong to the decoder's memory) are copied.
      const transfer = [
        seg.labels.buffer,
        seg.binary.data.buffer,
        seg.normalised.data.buffer,
        seg.sheet?.image.data.buffer
      ].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
      parentPort!.postMessage({ id: m.id, ok: true, image, seg }, [...new Set(transfer)])
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e))
      parentPort!.postMessage({
        id: m.id,
        ok: false,
        name: err.name,
        message: err.message,
        category: errorCategory(err)
      })
    }
  })()
})
