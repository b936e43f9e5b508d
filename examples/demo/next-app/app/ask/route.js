// POST /ask, when Nevermined sells it (404 otherwise). Its price and answer are in examples/demo/routes.js.
import { handle } from '../../demo-handler.js'

export const dynamic = 'force-dynamic'
export const POST = handle
