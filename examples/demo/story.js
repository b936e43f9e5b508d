// The buyer's walk through the API: a free call, then each paid route: 402, pay, 200 with a receipt, and the
// balances before and after. Throws on anything unexpected, so that the demo exits non-zero.
import { PAYMENT_REQUIRED, PAYMENT_RESPONSE, decodePaymentRequired, decodePaymentResponse } from '@tollgate/x402'
import { SIGN_IN_WITH_X_HEADER } from '@tollgate/x402/extensions'
import { ensurePermit2Allowance, MAX_UINT256, PERMIT2_ADDRESS } from '@tollgate/x402/evm'
import { createWalletClient, http } from 'viem'
import { createBuyer } from './buyer.js'
import { buyOnChannel } from './channel-story.js'
import { METERED } from './routes.js'
import { balancesTable, dollars, paymentRequiredTable, receiptTable } from './show.js'

/**
 * @typedef {import('./chain.js').DemoChain} DemoChain
 * @typedef {import('@tollgate/x402/client').Payer} Payer
 *
 * @typedef {object} StoryOptions
 * @property {string} url  the API's origin
 * @property {DemoChain} chain
 * @property {Payer} [neverminedPayer]  set when the API serves POST /ask
 * @property {(line?: string) => void} say
 * @property {() => Promise<void>} closeApi  stops the API (its paywall claims and settles the channels): the story's last step
 */

/** @param {StoryOptions} options */
export async function runStory({ url, chain, neverminedPayer, say, closeApi }) {
  /** @type {import('@tollgate/x402').PaymentRequirements | undefined} */
  let asked
  let quiet = false
  const buyer = createBuyer({
    account: chain.buyer,
    rpcUrl: chain.rpcUrl,
    fetch: showingSignIns(say),
    ...(neverminedPayer ? { neverminedPayer } : {}),
    onPaymentRequired({ demand, offer, payer }) {
      asked = offer.requirements
      if (quiet) return
      say('<- 402 Payment Required')
      say(paymentRequiredTable(/** @type {import('@tollgate/x402').PaymentRequired} */ (demand.paymentRequired)))
      say(`-> paying with ${offer.requirements.scheme} on ${offer.requirements.network} (${payer}) and retrying`)
    },
  })

  say(`\n== GET ${url}/ (free)`)
  const free = await fetch(`${url}/`)
  if (free.status !== 200) throw new Error(`GET / answered ${free.status}, expected 200.`)
  say(`<- ${free.status} ${JSON.stringify(await free.json())}`)

  let paid = 0n
  for (const path of ['/weather', '/premium']) {
    asked = undefined
    const price = () => {
      if (asked?.amount === undefined) throw new Error(`GET ${path} was served without asking for a payment.`)
      return BigInt(asked.amount)
    }
    await buyExact({ url: `${url}${path}`, chain, buyer, say, price })
    paid += price()
  }

  await signIn({ url: `${url}/premium`, chain, buyer, say })

  paid += await buyMetered({ url, chain, buyer, say, asked: () => asked })

  if (neverminedPayer) {
    say(`\n== POST ${url}/ask (1 Nevermined credit)`)
    const response = await buyer.fetch(`${url}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What is the answer?' }),
    })
    await expectPaid(response, 'POST /ask', say)
  }

  const channel = await buyOnChannel({ url, chain, buyer, say, quiet: () => void (quiet = true), closeApi })

  say(`\nDone: the buyer paid ${paid} atomic units (${dollars(paid)}) of USDC request by request, and ${channel} (${dollars(channel)}) through a channel, settled on chain ${chain.chainId}.`)
}

/**
 * The buyer's fetch, saying when it signs in (sign-in-with-x) and, when the server refuses, why.
 *
 * @param {(line?: string) => void} say
 * @returns {typeof globalThis.fetch}
 */
function showingSignIns(say) {
  return async (input, init) => {
    const request = new Request(input, init)
    if (!request.headers.has(SIGN_IN_WITH_X_HEADER)) return fetch(request)
    say(`-> signing in with the buyer's wallet (${SIGN_IN_WITH_X_HEADER}: a SIWE message for ${new URL(request.url).host}), no payment`)
    const response = await fetch(request)
    if (response.status === 402) {
      const refused = decodePaymentRequired(response.headers.get(PAYMENT_REQUIRED) ?? '')
      say(`<- 402: sign-in refused (${refused.ok ? refused.value.error : 'unreadable'}), so the buyer pays`)
    }
    return response
  }
}

/**
 * GET /premium once more: the buyer paid for it, so it signs in with its wallet and is let in without paying.
 *
 * @param {{ url: string, chain: DemoChain, buyer: ReturnType<typeof createBuyer>, say: (line?: string) => void }} options
 */
async function signIn({ url, chain, buyer, say }) {
  const payer = chain.buyer.address
  say(`\n== GET ${url} again (sign-in-with-x: paid once, now the wallet signs in)`)
  const before = await chain.balanceOf(payer)
  const response = await buyer.fetch(url)
  const text = await response.text()
  say(`<- ${response.status} ${text}`)
  if (response.status !== 200) throw new Error(`GET ${new URL(url).pathname} answered ${response.status} to the sign-in: ${text}`)
  if (response.headers.has(PAYMENT_RESPONSE)) throw new Error(`GET ${new URL(url).pathname} was paid again instead of signed in.`)
  const after = await chain.balanceOf(payer)
  if (after !== before) throw new Error(`The buyer's balance moved by ${before - after} on a sign-in.`)
  say(`Signed in as ${payer}: no payment, no receipt, the buyer's balance unchanged (${dollars(after)}).`)
}

/**
 * One paid GET priced in USDC; checks that the balances moved by exactly the price asked.
 *
 * @param {{ url: string, chain: DemoChain, buyer: ReturnType<typeof createBuyer>, say: (line?: string) => void, price: () => bigint }} options
 */
async function buyExact({ url, chain, buyer, say, price: priceAsked }) {
  const payer = chain.buyer.address
  const seller = chain.seller
  const before = { payer: await chain.balanceOf(payer), seller: await chain.balanceOf(seller) }

  say(`\n== GET ${url}`)
  const response = await buyer.fetch(url)
  const receipt = await expectPaid(response, `GET ${new URL(url).pathname}`, say)

  const after = { payer: await chain.balanceOf(payer), seller: await chain.balanceOf(seller) }
  say(
    balancesTable([
      { label: 'buyer', address: payer, before: before.payer, after: after.payer },
      { label: 'seller', address: seller, before: before.seller, after: after.seller },
    ]),
  )
  const price = priceAsked()
  if (receipt.amount !== undefined && BigInt(receipt.amount) !== price) throw new Error(`The receipt says ${receipt.amount}, the 402 asked ${price}.`)
  if (before.payer - after.payer !== price || after.seller - before.seller !== price) {
    throw new Error(`The balances moved by ${before.payer - after.payer} and ${after.seller - before.seller}, not by the price ${price}.`)
  }
  say(`The buyer paid ${price} atomic units (${dollars(price)}); the seller received exactly that.`)
}

/**
 * The metered route (upto): the buyer approves Permit2 once (in view: the payer never does it silently), authorises
 * at most the maximum, and pays what the answer used. Checks that the balances moved by the amount settled, and
 * that it is at most the maximum. Returns the amount settled.
 *
 * @param {{ url: string, chain: DemoChain, buyer: ReturnType<typeof createBuyer>, say: (line?: string) => void, asked: () => import('@tollgate/x402').PaymentRequirements | undefined }} options
 */
async function buyMetered({ url, chain, buyer, say, asked }) {
  const payer = chain.buyer.address
  const before = { payer: await chain.balanceOf(payer), seller: await chain.balanceOf(chain.seller) }
  say(`\n== POST ${url}/generate (upto: at most ${METERED.maxPrice}, ${dollars(METERED.perToken)} per output token)`)
  const wallet = createWalletClient({ account: chain.buyer, transport: http(chain.rpcUrl) })
  const approval = await ensurePermit2Allowance(wallet, chain.asset, 1n, MAX_UINT256)
  say(approval ? `-> approved Permit2 (${PERMIT2_ADDRESS}) to move the buyer's USDC, once (${approval})` : '-> Permit2 is already approved')
  const response = await buyer.fetch(`${url}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'tokens are counted after the answer is written' }),
  })
  const receipt = await expectPaid(response, 'POST /generate', say)
  const maximum = BigInt(asked()?.amount ?? '0')
  const settled = BigInt(receipt.amount ?? '0')
  const after = { payer: await chain.balanceOf(payer), seller: await chain.balanceOf(chain.seller) }
  say(
    balancesTable([
      { label: 'buyer', address: payer, before: before.payer, after: after.payer },
      { label: 'seller', address: chain.seller, before: before.seller, after: after.seller },
    ]),
  )
  if (settled > maximum) throw new Error(`POST /generate settled ${settled}, above the maximum ${maximum} the buyer authorised.`)
  if (before.payer - after.payer !== settled || after.seller - before.seller !== settled) {
    throw new Error(`The balances moved by ${before.payer - after.payer} and ${after.seller - before.seller}, not by the amount settled ${settled}.`)
  }
  say(`Maximum authorised: ${maximum} atomic units (${dollars(maximum)}); amount settled: ${settled} (${dollars(settled)}), what the answer used.`)
  return settled
}

/**
 * Checks a paid answer: 200 and a successful receipt. Prints both and returns the receipt.
 *
 * @param {Response} response
 * @param {string} label
 * @param {(line?: string) => void} say
 */
async function expectPaid(response, label, say) {
  const text = await response.text()
  say(`<- ${response.status} ${text}`)
  if (response.status !== 200) throw new Error(`${label} answered ${response.status} after paying: ${text}`)
  const header = response.headers.get(PAYMENT_RESPONSE)
  if (!header) throw new Error(`${label} answered 200 without a ${PAYMENT_RESPONSE} receipt.`)
  const decoded = decodePaymentResponse(header)
  if (!decoded.ok) throw new Error(`${label}: unreadable ${PAYMENT_RESPONSE}: ${decoded.error.message}`)
  const receipt = decoded.value
  say(receiptTable(receipt))
  if (!receipt.success) throw new Error(`${label}: the receipt says the settlement failed (${String(receipt.errorReason)}).`)
  return receipt
}
