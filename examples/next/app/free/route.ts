// A free route: no paywall.
export const dynamic = 'force-dynamic'

export function GET() {
  return new Response('free')
}
