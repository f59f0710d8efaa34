// The one typed client the stores use. Set once at start-up (main.ts) or by a test.
import { createClient, type GlyphdeskClient } from '@shared/contract.ts'
import { pickTransport } from './transport.ts'

let client: GlyphdeskClient | null = null

export function api(): GlyphdeskClient {
  if (!client) client = createClient(pickTransport().transport)
  return client
}

export function provideApi(c: GlyphdeskClient): void {
  client = c
}
