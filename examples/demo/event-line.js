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

/**
 * A channel claim or settle (batch-settlement's claim service, through onEvent) as one log line:
 * `batch.claimed channels=1 amount=50000 tx=0x..`, `batch.settled receiver=0x.. amount=50000 tx=0x..`.
 *
 * @param {import('@tollgate/x402').PaywallEvent} event  it names the receiver the sweep paid
 */
export function batchEventLine(event) {
  if (event.type === 'batch.claimed') return `${event.type} channels=${event.channels?.length ?? 0} amount=${event.amount} tx=${event.transaction}`
  if (event.type === 'batch.settled') return `${event.type} receiver=${event.receiver} amount=${event.amount} tx=${event.transaction}`
  return `${event.type} step=${event.step} reason=${event.reason} outcome=${event.outcome} ${event.message}`
}
