// tollgate discover <url>: what a server declares for discovery. A 402 shows its route's bazaar declaration (how
// to call it, what it answers) and the other extensions it speaks; a discovery list (a facilitator's
// /discovery/resources) shows its resources. Pays nothing.
import { readPaymentDemand } from '@tollgate/x402/client'
import { EXIT, type ExitCode } from '../exit-codes.js'
import type { CliIO } from '../io.js'
import { buildRequestInit, checkUrl, type RequestFlags } from '../request.js'

export interface DiscoverFlags extends RequestFlags {
  json?: boolean
}

interface Declared {
  info?: { input?: Record<string, unknown>; output?: { example?: unknown } }
  routeTemplate?: string
}

export async function discoverCommand(target: string | undefined, flags: DiscoverFlags, io: CliIO): Promise<ExitCode> {
  const url = checkUrl(target)
  const response = await io.fetch(url, buildRequestInit(flags))
  if (response.status === 402) {
    const demand = await readPaymentDemand(response)
    const extensions = demand.x402Version === 2 ? (demand.paymentRequired as { extensions?: Record<string, unknown> }).extensions ?? {} : {}
    if (flags.json) io.stdout(JSON.stringify({ url, status: 402, resource: demand.resource, extensions }))
    else io.stdout(describeRoute(demand.resource, extensions))
    return EXIT.ok
  }
  const body: unknown = response.ok ? await response.json().catch(() => undefined) : await response.body?.cancel()
  const items = (body as { items?: unknown } | undefined)?.items
  if (Array.isArray(items)) {
    if (flags.json) io.stdout(JSON.stringify({ url, status: response.status, items }))
    else io.stdout(items.length === 0 ? 'No resources listed.' : items.map((item) => describeItem(item as Record<string, unknown>)).join('\n'))
    return EXIT.ok
  }
  if (flags.json) io.stdout(JSON.stringify({ url, status: response.status, extensions: {} }))
  else io.stdout(`Nothing declared: ${url} answered HTTP ${response.status} ${response.statusText}, not a 402 or a discovery list.`.trimEnd())
  return EXIT.ok
}

function describeRoute(resource: { url: string; description?: string; mimeType?: string }, extensions: Record<string, unknown>): string {
  const lines = [`resource: ${resource.url}`]
  if (resource.description) lines.push(`description: ${resource.description}`)
  if (resource.mimeType) lines.push(`mimeType: ${resource.mimeType}`)
  const bazaar = extensions.bazaar as Declared | undefined
  const input = bazaar?.info?.input
  if (!input) lines.push('discovery: none declared (no bazaar extension)')
  else if (input.type === 'mcp') {
    lines.push(`tool: ${String(input.toolName)}`, `input schema: ${JSON.stringify(input.inputSchema)}`)
    if (input.example !== undefined) lines.push(`example arguments: ${JSON.stringify(input.example)}`)
  } else {
    lines.push(`call: ${String(input.method ?? '?')} ${bazaar.routeTemplate ?? new URL(resource.url).pathname}`)
    if (input.queryParams !== undefined) lines.push(`query example: ${JSON.stringify(input.queryParams)}`)
    if (input.bodyType !== undefined) lines.push(`body (${String(input.bodyType)}) example: ${JSON.stringify(input.body)}`)
  }
  if (bazaar?.info?.output?.example !== undefined) lines.push(`output example: ${JSON.stringify(bazaar.info.output.example)}`)
  const others = Object.keys(extensions).filter((key) => key !== 'bazaar')
  if (others.length > 0) lines.push(`extensions: ${others.map((key) => describeExtension(key, extensions[key])).join(', ')}`)
  return lines.join('\n')
}

function describeExtension(key: string, value: unknown): string {
  const required = (value as { info?: { required?: unknown } } | undefined)?.info?.required
  return typeof required === 'boolean' ? `${key} (${required ? 'required' : 'optional'})` : key
}

function describeItem(item: Record<string, unknown>): string {
  const input = (item.extensions as { bazaar?: Declared } | undefined)?.bazaar?.info?.input
  const how = input?.type === 'mcp' ? `tool ${String(input.toolName)}` : `${String(input?.method ?? '?')}`
  return `${how} ${String(item.resource)}${item.description ? `: ${String(item.description)}` : ''}`
}
