// A paid Fastify API: one route paid through its route config, one through the plugin's routes map, one free.
import Fastify, { type FastifyInstance } from 'fastify'
import { exact, fastifyPaywall, plan } from '@tollgate/fastify'
import { waitForGate, type ContractAppConfig } from '@tollgate/contract/app-env'

export async function buildApp(config: ContractAppConfig): Promise<FastifyInstance> {
  const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: config.payTo })
  const credits = plan({ planId: config.planId, credits: 5 })

  const app = Fastify()
  await app.register(fastifyPaywall, {
    facilitator: config.facilitator,
    verifyTimeoutMs: config.verifyTimeoutMs,
    settleTimeoutMs: config.settleTimeoutMs,
    // A routes map, matched against the request path...
    routes: { 'GET /stream': usdc },
  })

  // ...or one route's payment options in its own config.
  const paid = { config: { paywall: { accepts: [usdc, credits] } } }
  app.get<{ Querystring: { throw?: string; status?: string; used?: string } }>('/paid', paid, async (request, reply) => {
    // Test hooks (the contract suite): a failing handler is never charged.
    if (request.query.throw) throw new Error('the handler failed')
    if (request.query.status) return reply.code(Number(request.query.status)).type('text/plain').send(`handler said ${request.query.status}`)
    // Usage price: settle only the credits this request used.
    if (request.query.used) request.payment.charge(request.query.used)
    const { payment, charged } = request.payment
    return { paid: true, payer: payment?.payer, scheme: payment?.scheme, charged }
  })
  app.options('/paid', paid, async (_request, reply) => reply.code(204).send())

  app.get('/stream', async (request, reply) => {
    const encoder = new TextEncoder()
    const gate = new Request(`http://localhost${request.url}`)
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('first\n'))
        waitForGate(config, gate).then(
          () => (controller.enqueue(encoder.encode('second\n')), controller.close()),
          (error) => controller.error(error),
        )
      },
    })
    return reply.type('text/plain; charset=utf-8').send(body)
  })

  app.get('/free', async () => 'free')
  return app
}
