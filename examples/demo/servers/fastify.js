// --framework fastify: Fastify with the `fastifyPaywall` plugin of @tollgate/fastify and the routes map.
import { fastifyPaywall } from '@tollgate/fastify'
import Fastify from 'fastify'
import { NOT_FOUND } from '../routes.js'

/**
 * @param {import('../server-setup.js').ServerSetup} setup
 * @param {number} port
 * @returns {Promise<import('./node-listen.js').RunningServer>}
 */
export async function startFastifyServer(setup, port) {
  const app = Fastify()
  await app.register(fastifyPaywall, setup.paywallOptions)
  for (const endpoint of setup.endpoints) {
    app.route({
      method: endpoint.method,
      url: endpoint.path,
      handler: async (request) => endpoint.answer({ paidBy: request.payment?.payment?.payer ?? null, body: request.body, ctx: request.payment }),
    })
  }
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND))
  try {
    await app.listen({ host: '127.0.0.1', port })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address()
  const actual = typeof address === 'object' && address ? address.port : port
  // app.close() closes the plugin's paywall too (its onClose hook): the channels are claimed and settled there.
  return { url: `http://127.0.0.1:${actual}`, close: () => app.close() }
}
