// A real HTTP server for a fetch handler: @hono/node-server on 127.0.0.1, on a free port.
import type { Server } from 'node:http'
import { serve, type HttpBindings } from '@hono/node-server'

export interface RunningServer {
  origin: string
  close(): Promise<void>
}

export type ServerFetch = (request: Request, env: HttpBindings) => Promise<Response>

export function startServer(fetch: ServerFetch): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: fetch as (request: Request, env: unknown) => Promise<Response>, hostname: '127.0.0.1', port: 0 }, (info) => {
      resolve({
        origin: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            ;(server as Server).closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
