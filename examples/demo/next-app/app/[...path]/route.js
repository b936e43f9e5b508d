// Any other path: the same JSON 404 as the other frameworks answer (not Next's HTML page).
import { handle } from '../../demo-handler.js'

export const dynamic = 'force-dynamic'
export const GET = handle
export const POST = handle
export const PUT = handle
export const PATCH = handle
export const DELETE = handle
