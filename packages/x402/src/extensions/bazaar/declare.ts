// bazaar (x402 specs/extensions/bazaar.md): a route's discovery metadata, published in its 402 as the spec writes it
// (`extensions.bazaar = { info, schema, routeTemplate? }`), for facilitators to catalog and buyers to read.
import { TollgateError } from '../../errors.js'
import type { DeclareContext, Extension } from '../contract.js'
import type { BazaarOptions, DiscoveryOutput, JsonSchema } from './types.js'
import { isRecord } from '../../codec/record.js'

export const BAZAAR = 'bazaar'
const DRAFT = 'https://json-schema.org/draft/2020-12/schema'
const QUERY_METHODS = ['GET', 'HEAD', 'DELETE']
const BODY_METHODS = ['POST', 'PUT', 'PATCH']
const BODY_TYPES = ['json', 'form-data', 'text']
// The spec's rule for a routeTemplate (colon parameters, safe path characters only).
const ROUTE_TEMPLATE = /^\/[a-zA-Z0-9_/:.\-~%]+$/

/** The bazaar extension for a route's `extensions`: `bazaar({ input: { query: { example, schema } }, output })`. */
export function bazaar(options: BazaarOptions = {}): Extension {
  checkOptions(options)
  const declarations = new Map<string, unknown>()
  return {
    key: BAZAAR,
    declare(context) {
      // One declaration per route and method, made once: prepared 402s are rebuilt per resource URL.
      const id = context.route + '|' + context.method
      if (!declarations.has(id)) declarations.set(id, declaration(options, context))
      return declarations.get(id)
    },
  }
}

function declaration(options: BazaarOptions, context: DeclareContext): Record<string, unknown> {
  const output = outputOf(options.output)
  const info: Record<string, unknown> = {}
  const properties: Record<string, unknown> = {}
  const declared: Record<string, unknown> = { info, schema: { $schema: DRAFT, type: 'object', properties, required: ['input'] } }
  if (options.tool) {
    const { name, description, transport, inputSchema, example } = options.tool
    info.input = { type: 'mcp', toolName: name, ...defined({ description, transport }), inputSchema, ...defined({ example }) }
    properties.input = inputSchemaOf({
      type: { type: 'string', const: 'mcp' },
      toolName: { type: 'string' },
      ...(description !== undefined ? { description: { type: 'string' } } : {}),
      ...(transport !== undefined ? { transport: { type: 'string', enum: [transport] } } : {}),
      inputSchema: { type: 'object' },
      ...(example !== undefined ? { example: { type: 'object' } } : {}),
    }, ['type', 'toolName', 'inputSchema'])
  } else {
    const body = options.input?.body
    const method = (context.method ?? options.method ?? (body ? 'POST' : 'GET')).toUpperCase()
    if (body) {
      const bodyType = body.type ?? 'json'
      info.input = { type: 'http', method, bodyType, body: body.example ?? {} }
      properties.input = inputSchemaOf({
        type: { type: 'string', const: 'http' },
        method: { type: 'string', enum: [method] },
        bodyType: { type: 'string', enum: [bodyType] },
        body: body.schema ?? { type: 'object' },
      }, ['type', 'method', 'bodyType', 'body'])
    } else {
      const query = options.input?.query
      info.input = { type: 'http', method, ...(query?.example ? { queryParams: query.example } : {}) }
      properties.input = inputSchemaOf({
        type: { type: 'string', const: 'http' },
        method: { type: 'string', enum: [method] },
        ...(query?.example || query?.schema ? { queryParams: { type: 'object', ...query.schema } } : {}),
      }, ['type', 'method'])
    }
    if (context.path.includes(':') && ROUTE_TEMPLATE.test(context.path)) declared.routeTemplate = context.path
  }
  if (output) {
    info.output = output.info
    properties.output = output.schema
  }
  return declared
}

function inputSchemaOf(properties: Record<string, unknown>, required: string[]): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false }
}

function outputOf(output: DiscoveryOutput | undefined): { info: Record<string, unknown>; schema: JsonSchema } | undefined {
  if (!output) return undefined
  const info = { type: 'json', ...(output.example !== undefined ? { example: output.example } : {}) }
  const properties = { type: { type: 'string' }, ...(output.schema ? { example: output.schema } : {}) }
  return { info, schema: { type: 'object', properties, required: ['type'] } }
}

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) out[name] = value
  return out
}

function checkOptions(options: BazaarOptions): void {
  const { input, tool, output, method } = options ?? {}
  if (!options || typeof options !== 'object') bad('', 'an object { input?, tool?, output?, method? }')
  if (input !== undefined) {
    if (!isRecord(input) || (input.query === undefined) === (input.body === undefined)) bad('input', 'either { query: { example?, schema? } } or { body: { type?, example?, schema? } }')
    const part = (input.query ?? input.body) as Record<string, unknown>
    const where = input.query ? 'input.query' : 'input.body'
    if (!isRecord(part)) bad(where, 'an object { example?, schema? }')
    if (part.example !== undefined && !isRecord(part.example)) bad(`${where}.example`, 'an object (an example of the parameters)')
    if (part.schema !== undefined && !isRecord(part.schema)) bad(`${where}.schema`, 'a JSON Schema object')
    if (input.body && input.body.type !== undefined && !BODY_TYPES.includes(input.body.type)) bad('input.body.type', "'json', 'form-data' or 'text'")
  }
  if (tool !== undefined) {
    if (input !== undefined) bad('tool', 'either input (an HTTP route) or tool (an MCP tool), not both')
    if (!isRecord(tool) || typeof tool.name !== 'string' || tool.name === '') bad('tool.name', 'the tool name, a non-empty string')
    if (!isRecord(tool.inputSchema)) bad('tool.inputSchema', "the tool's arguments as a JSON Schema object")
    if (tool.transport !== undefined && tool.transport !== 'streamable-http' && tool.transport !== 'sse') bad('tool.transport', "'streamable-http' or 'sse'")
  }
  if (output !== undefined && (!isRecord(output) || (output.schema !== undefined && !isRecord(output.schema)))) bad('output', 'an object { example?, schema? } (schema a JSON Schema object)')
  if (method !== undefined) {
    const allowed = input?.body ? BODY_METHODS : QUERY_METHODS
    if (typeof method !== 'string' || !allowed.includes(method.toUpperCase())) bad('method', `one of ${allowed.join(', ')} for ${input?.body ? 'a body' : 'query parameters'}`)
  }
}

function bad(path: string, expected: string): never {
  const where = path === '' ? 'its options are' : `option "${path}" is`
  throw new TollgateError('invalid_options', `bazaar: ${where} invalid; expected ${expected}.`, { path, expected })
}

