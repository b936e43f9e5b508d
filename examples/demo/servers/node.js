// --framework node: a plain node:http server, `toNodeHandler` of @tollgate/node around a handler that routes by path.
import { toNodeHandler } from '@tollgate/node'
import { NOT_FOUND } from '../routes.js'
import { listenNode } from './node-listen.js'

/**
 * @param {import('../server-setup.js').ServerSetup} setup
 * @param {number} port
 */
export function startNodeServer(setup, port) {
  const handler = toNodeHandler(setup.paywallOptions, async (req, res, payment) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const endpoint = setup.endpoints.find((candidate) => candidate.method === req.method && candidate.path === path)
    const body = endpoint?.method === 'POST' ? await readJson(req) : undefined
    const answer = endpoint ? endpoint.answer({ paidBy: payment.payment?.payer ?? null, body, ctx: payment }) : NOT_FOUND
    res.writeHead(endpoint ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
  })
  return listenNode(handler, port).then((server) => ({ ...server, paywall: handler }))
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson(req) {
  let text = ''
  for await (const chunk of req) text += chunk
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
