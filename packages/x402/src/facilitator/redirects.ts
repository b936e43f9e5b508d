// Which redirects a facilitator call follows. Followed by hand (fetch `redirect: 'manual'`) because a redirect
// problem must end in an error, never in a request served unpaid: the reference client once followed a 308 loop
// into an answer it took for a valid payment.
import { TollgateError } from '../errors.js'

export const MAX_REDIRECTS = 3

/** Statuses that keep the method and body: safe for POST /verify and /settle. */
const KEEPS_METHOD: ReadonlySet<number> = new Set([307, 308])
/** Statuses that turn a POST into a GET: only followed for GET /supported. */
const GET_ONLY: ReadonlySet<number> = new Set([301, 302, 303])

export function isRedirect(status: number): boolean {
  return KEEPS_METHOD.has(status) || GET_ONLY.has(status)
}

/**
 * Where a redirect answer sends the call, or a `facilitator_error` saying why it is not followed.
 * `visited` holds every URL already requested in this call, the first one included.
 */
export function redirectTarget(
  endpoint: string,
  method: 'GET' | 'POST',
  from: string,
  status: number,
  location: string | null,
  visited: readonly string[],
): string {
  const refuse = (why: string) =>
    new TollgateError('facilitator_error', `The facilitator redirected /${endpoint} (${status}) and the redirect was not followed: ${why}.`, {
      step: endpoint,
      endpoint,
      facilitatorStatus: status,
      redirects: visited.map(withoutQuery),
    })
  if (method !== 'GET' && !KEEPS_METHOD.has(status)) throw refuse(`a ${status} would turn the POST into a GET and drop the payment`)
  if (visited.length > MAX_REDIRECTS) throw refuse(`more than ${MAX_REDIRECTS} redirects`)
  if (!location) throw refuse('it has no Location header')
  let target: URL
  try {
    target = new URL(location, from)
  } catch {
    throw refuse('its Location is not a URL')
  }
  target.hash = ''
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw refuse(`it points to a ${target.protocol} URL`)
  if (new URL(from).protocol === 'https:' && target.protocol === 'http:') throw refuse('it downgrades https to http')
  if (visited.includes(target.href)) throw refuse('it loops back to a URL already requested')
  return target.href
}

/** Whether headers meant for `base` (credentials) may go to `url`. */
export function sameOrigin(url: string, base: string): boolean {
  return new URL(url).origin === new URL(base).origin
}

function withoutQuery(url: string): string {
  const parsed = new URL(url)
  return parsed.origin + parsed.pathname
}
