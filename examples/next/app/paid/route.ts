// A paid route handler on the Node runtime: $0.01 in USDC, or 5 credits of a plan.
import { withPaywall } from '@tollgate/next'
import { credits, policies, usdc } from '../../lib/paywall'

export const dynamic = 'force-dynamic'

const options = { ...policies, accepts: [usdc, credits] }

export const GET = withPaywall((request, { payment }) => {
  const query = new URL(request.url).searchParams
  // Test hooks (the contract suite): a failing handler is never charged.
  if (query.get('throw')) throw new Error('the handler failed')
  const status = query.get('status')
  if (status) return new Response(`handler said ${status}`, { status: Number(status) })
  // Usage price: settle only the credits this request used.
  const used = query.get('used')
  if (used) payment.charge(used)
  return Response.json({ paid: true, payer: payment.payment?.payer, scheme: payment.payment?.scheme, charged: payment.charged })
}, options)

// Preflights pass through the paywall free.
export const OPTIONS = withPaywall(() => new Response(null, { status: 204 }), options)
