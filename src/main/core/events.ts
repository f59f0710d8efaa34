// Events from main to whichever views listen (Electron windows, SSE clients). Payloads are
// validated against the contract before they leave, like route replies.
import { EVENTS, type EventName, type EventPayload } from '../../shared/contract.ts'

export type EventListener = (name: EventName, payload: unknown) => void

export class EventBus {
  private listeners = new Set<EventListener>()

  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    const checked = EVENTS[name].parse(payload)
    for (const l of this.listeners) {
      try {
        l(name, checked)
      } catch (err) {
        console.error(`glyphdesk: an ${name} listener failed:`, err)
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
