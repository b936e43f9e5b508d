// --framework express: an Express 5 app with the `paywall` middleware of @tollgate/express and the routes map.
import { paywall } from '@tollgate/express'
import express from 'express'
import { NOT_FOUND } from '../routes.js'
import { listenNode } from './node-listen.js'

/**
 * @param {import('../server-setup.js').ServerSetup} setup
 * @param {number} port
 */
export function startExpressServer(setup, port) {
  const app = express()
  // App-wide, with the routes map: the paths it lists are paid, the rest pass free. Before the body parser, so an
  // unpaid request's body is never read.
  const paid = paywall(setup.paywallOptions)
  app.use(paid)
  app.use(express.json())
  for (const endpoint of setup.endpoints) {
    app[/** @type {'get' | 'post'} */ (endpoint.method.toLowerCase())](endpoint.path, (req, res) => {
      res.json(endpoint.answer({ paidBy: req.payment?.payment?.payer ?? null, body: req.body, ctx: req.payment }))
    })
  }
  app.use((_req, res) => void res.status(404).json(NOT_FOUND))
  return listenNode(app, port).then((server) => ({ ...server, paywall: paid }))
}
