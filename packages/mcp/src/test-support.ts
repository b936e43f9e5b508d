// For the tests: a real MCP SDK server over Streamable HTTP on 127.0.0.1 (stateless, a fresh McpServer per
// request, as the SDK documents it), and a real SDK client connected to it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface McpHttp {
  url: string
  /** HTTP statuses the server answered, in order (the transport's, not the tools'). */
  statuses: number[]
  close(): Promise<void>
}

/** Serves MCP at http://127.0.0.1:<port>/mcp; `register` adds the tools to each request's server. */
export async function serveMcp(register: (server: McpServer) => void): Promise<McpHttp> {
  const statuses: number[] = []
  const http = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    res.on('finish', () => statuses.push(res.statusCode))
    const server = new McpServer({ name: 'paid-tools', version: '1.0.0' })
    register(server)
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    try {
      await server.connect(transport)
      await transport.handleRequest(req, res)
    } catch {
      if (!res.headersSent) res.writeHead(500).end()
    }
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

export async function connectClient(url: string): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  return client
}
