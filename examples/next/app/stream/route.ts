// A paid streaming route handler on the Edge runtime: the body streams out as it is produced.
import { withPaywall } from '@tollgate/next'
import { waitForGate } from '@tollgate/contract/app-env'
import { config, policies, usdc } from '../../lib/paywall'

export const runtime = 'edge'
export const dynamic = 'force-dynamic'

export const GET = withPaywall((request) => {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('first\n'))
      waitForGate(config, request).then(
        () => (controller.enqueue(encoder.encode('second\n')), controller.close()),
        (error) => controller.error(error),
      )
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
}, { ...policies, accepts: usdc })
