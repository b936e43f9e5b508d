// POST /generate, metered (upto). Its maximum, per-token price and answer are in examples/demo/routes.js.
import { handle } from '../../demo-handler.js'

export const dynamic = 'force-dynamic'
export const POST = handle
