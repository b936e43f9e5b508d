// Tests only (Node): serve a fetch handler on 127.0.0.1 on a free port, as a real HTTP server.
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'

export interface TestServer {
  url: string
  close(): Promise<void>
}

export function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<TestServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      })
    })
  })
}
