// What a seller says about a paid route or MCP tool for discovery (bazaar), in our words; declare.ts writes it as
// the spec's `extensions.bazaar` ({ info, schema }).

/** A JSON Schema (draft 2020-12), as plain data. */
export type JsonSchema = Record<string, unknown>

/** An HTTP route's input: query parameters (GET, HEAD, DELETE) or a body (POST, PUT, PATCH). */
export type DiscoveryInput =
  | { query: { example?: Record<string, unknown>; schema?: JsonSchema }; body?: never }
  | { body: { type?: 'json' | 'form-data' | 'text'; example?: Record<string, unknown>; schema?: JsonSchema }; query?: never }

/** An MCP tool: its name, its arguments' schema (the tool's own `inputSchema`) and an example of them. */
export interface DiscoveryTool {
  name: string
  description?: string
  inputSchema: JsonSchema
  example?: Record<string, unknown>
  transport?: 'streamable-http' | 'sse'
}

export interface DiscoveryOutput {
  /** An example answer. */
  example?: unknown
  /** The answer's JSON Schema. */
  schema?: JsonSchema
}

export interface BazaarOptions {
  /** How to call the route: query parameters or a body, each with an example and a JSON Schema. */
  input?: DiscoveryInput
  /** An MCP tool instead of an HTTP route (`@tollgate/mcp` fills it from the tool). */
  tool?: DiscoveryTool
  /** What it answers. */
  output?: DiscoveryOutput
  /** The method to publish for a route whose key names none (`'/search'`). Default: POST with a body, else GET. */
  method?: string
}
