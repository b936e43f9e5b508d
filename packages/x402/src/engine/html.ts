// The small page a browser sees on a 402: what to pay, in words. The PAYMENT-REQUIRED header is still sent.
import type { PaymentRequired, PaymentRequirements } from '../codec/types.js'
import { schemeFor } from '../schemes/registry.js'

export function renderPaywallPage(paymentRequired: PaymentRequired): string {
  const { resource, accepts } = paymentRequired
  const items = accepts.map((offer) => `<li>${escapeHtml(describeOffer(offer))}</li>`).join('')
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><title>Payment required</title></head>' +
    '<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">' +
    '<h1>Payment required</h1>' +
    `<p>${escapeHtml(resource.description || resource.url)}</p>` +
    `<p>This resource is paid per request with <a href="https://www.x402.org">x402</a>. It accepts:</p>` +
    `<ul>${items}</ul>` +
    '<p>Use an x402 client to pay and retry; the offer is in the <code>PAYMENT-REQUIRED</code> header.</p>' +
    '</body></html>'
  )
}

function describeOffer(offer: PaymentRequirements): string {
  const own = schemeFor(offer.scheme, offer.network)?.describe?.(offer)
  if (own !== undefined) return own
  const name = typeof offer.extra?.name === 'string' ? offer.extra.name : 'tokens'
  return `${offer.amount ?? '?'} atomic units of ${name} (${offer.asset ?? 'unknown asset'}) on ${offer.network}, paid to ${offer.payTo ?? '?'}`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
