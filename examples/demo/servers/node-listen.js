// Serves a fetch handler on Node with @hono/node-server, on 127.0.0.1 (the `fetch` and `hono` servers), or a
// node:http handler (the `express` and `node` servers).
import { createServer } from 'node:http'
import { serve } from '@hono/node-server'

/**
 * @typedef {object} RunningServer
 * @property {string} url  http://127.0.0.1:PORT
 * @property {() => Promise<void>} close
 * @property {{ close(): Promise<void> }} [paywall]  the adapter's middleware or handler: closed after the server
 */

/**
 * Serves `fetch` on 127.0.0.1 (`port` 0 picks a free port) and resolves once it listens.
 *
 * @param {(request: Request) => Response | Promise<Response>} fetch
 * @param {number} port
 * @returns {Promise<RunningServer>}
 */
export function listen(fetch, port) {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port }, (info) => {
      server.off('error', reject)
      const close = () =>
        /** @type {Promise<void>} */ (
          new Promise((done) => {
            server.close(() => done())
            // Keep-alive connections would hold close() open.
            if ('closeAllConnections' in server) server.closeAllConnections()
          })
        )
      resolve({ url: `http://127.0.0.1:${info.port}`, close })
    })
    server.once('error', reject)
  })
}

/**
 * Serves a node:http handler (an Express app too) on 127.0.0.1 (`port` 0 picks a free port) once it listens.
 *
 * @param {import('node:http').RequestListener} handler
 * @param {number} port
 * @returns {Promise<RunningServer>}
 */
export function listenNode(handler, port) {
  const server = createServer(handler)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      const close = () =>
        /** @type {Promise<void>} */ (
          new Promise((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
        )
      resolve({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`, close })
    })
  })
}
