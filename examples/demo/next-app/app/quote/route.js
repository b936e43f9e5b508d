// GET /quote, sold by channel (batch-settlement). Its price and its answer are in examples/demo/routes.js, as for every framework.
import { handle } from '../../demo-handler.js'

export const dynamic = 'force-dynamic'
export const GET = handle
