// One paywall event as one log line. Its own module: the servers in other processes (next, bun) log with it.

/**
 * One paywall event as a log line: `settle.success GET /weather 200 payer=0x.. amount=1000 tx=0x..`.
 *
 * @param {import('@tollgate/x402').PaywallEvent} event
 */
export function eventLine(event) {
  const parts = [event.type, event.route]
  if (event.status !== undefined) parts.push(String(event.status))
  if (event.x402Version !== undefined) parts.push(`v${event.x402Version}`)
  if (event.payer) parts.push(`payer=${event.payer}`)
  if (event.amount) parts.push(`amount=${event.amount}`)
  if (event.transaction) parts.push(`tx=${event.transaction}`)
  if (event.reason) parts.push(`reason=${event.reason}`)
  if (event.durationMs !== undefined) parts.push(`${event.durationMs}ms`)
  return parts.join(' ')
}
