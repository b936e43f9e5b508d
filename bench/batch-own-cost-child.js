// P9, for reading beside target 1: the seller's own CPU per voucher request in one process with no sockets, where
// the rest of the machine disturbs it least. `paywall.protect(handler)` with a batchSettlement route and the memory
// store, one channel opened by a deposit (a scripted facilitator answers it), then vouchers signed beforehand; the
// same handler alone for the baseline, and `verifyVoucherSignature` alone on the same vouchers. The three take turns
// in rounds; the fastest round of each counts (as P1 in process). Prints one JSON line, in µs per request.
//   node batch-own-cost-child.js [perRound] [rounds]
import { createRequire } from 'node:module'
import { bytesToHex, getAddress, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'

const PER_ROUND = Number(process.argv[2] ?? 500)
const ROUNDS = Number(process.argv[3] ?? 10)
const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}`
// Anvil's well-known test keys: throwaway accounts for signing only.
const PAYER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const VOUCHER_KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'
const AUTHORIZER = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6').address

const { createPaywall, memoryStore, batchSettlement, prepareVoucherCheck: prepareSellerCheck } = await import(built('batch-server'))
const { channelIdOf, voucherDigest, verifyVoucherSignature, encodePaymentSignature, prepareVoucherCheck } = await import(built('batch'))
// A seller's first vouchers ready hash-wasm's Keccak (in both bundled copies of the core); here before the rounds.
await Promise.all([prepareSellerCheck(), prepareVoucherCheck()])
const native = createRequire(import.meta.url)('secp256k1')

const payTo = getAddress('0x' + '22'.repeat(20))
const token = getAddress('0x' + '33'.repeat(20))
const voucherSigner = privateKeyToAccount(VOUCHER_KEY)
const config = { payer: privateKeyToAccount(PAYER_KEY).address, payerAuthorizer: voucherSigner.address, receiver: payTo, receiverAuthorizer: AUTHORIZER, token, withdrawDelay: 900, salt: `0x${'09'.padStart(64, '0')}` }
const channelId = channelIdOf(config, CHAIN_ID)
const snapshot = { channelId, balance: '1000000000000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' }
const facilitator = {
  name: 'scripted',
  verify: async () => ({ isValid: true, payer: config.payer, extra: snapshot }),
  settle: async () => ({ success: true, transaction: `0x${'ab'.repeat(32)}`, network: NETWORK, payer: config.payer, amount: '0', extra: { channelState: snapshot } }),
}
const option = batchSettlement({ price: '$0.001', network: NETWORK, payTo, asset: { address: token, name: 'USDC', version: '2', decimals: 6 }, receiverAuthorizer: AUTHORIZER })
const handler = () => Response.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21 })
const app = createPaywall({ routes: { 'GET /batch': option }, facilitator, store: memoryStore() }).protect(handler)

// Vouchers signed natively over the digest the seller recomputes (setup only), one per request of every round.
const total = PER_ROUND * (ROUNDS + 1) + 1
const vouchers = []
for (let n = 1; n <= total; n++) {
  const maxClaimableAmount = BigInt(n * 1000)
  const { signature, recid } = native.ecdsaSign(hexToBytes(voucherDigest(channelId, maxClaimableAmount, CHAIN_ID)), hexToBytes(VOUCHER_KEY))
  vouchers.push({ channelId, maxClaimableAmount, signature: `${bytesToHex(signature)}${(27 + recid).toString(16)}`, signer: voucherSigner.address, chainId: CHAIN_ID })
}
const requestOf = (voucher, deposit) => {
  const payload = { type: deposit ? 'deposit' : 'voucher', channelConfig: config, voucher: { channelId, maxClaimableAmount: voucher.maxClaimableAmount.toString(), signature: voucher.signature } }
  if (deposit) payload.deposit = { amount: '1000000000000', authorization: { erc3009Authorization: { validAfter: '0', validBefore: '9999999999', salt: `0x${'07'.padStart(64, '0')}`, signature: `0x${'11'.repeat(65)}` } } }
  return new Request('http://127.0.0.1/batch', { headers: { 'payment-signature': encodePaymentSignature({ x402Version: 2, accepted: option.requirements, payload }) } })
}
const requests = vouchers.map((voucher, i) => requestOf(voucher, i === 0))
const bare = Array.from({ length: PER_ROUND }, () => new Request('http://127.0.0.1/batch'))
if ((await app(requests[0])).status !== 200) throw new Error('P9: the deposit was refused')

const cpuOf = async (work) => {
  const before = process.cpuUsage()
  await work()
  const { user, system } = process.cpuUsage(before)
  return (user + system) / PER_ROUND
}
let next = 1
const kinds = {
  voucher: () => cpuOf(async () => {
    for (let i = 0; i < PER_ROUND; i++) {
      const response = await app(requests[next++])
      if (response.status !== 200) throw new Error(`P9: voucher ${next - 1} answered ${response.status}`)
      await response.arrayBuffer()
    }
  }),
  handler: () => cpuOf(async () => {
    for (const request of bare) await (await handler(request)).arrayBuffer()
  }),
  check: () => cpuOf(async () => {
    for (let i = 0; i < PER_ROUND; i++) if (!(await verifyVoucherSignature(vouchers[i + 1]))) throw new Error('P9: a valid voucher was refused')
  }),
}
const best = { voucher: Infinity, handler: Infinity, check: Infinity }
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, run] of Object.entries(kinds)) {
    const us = await run()
    if (round > 0) best[name] = Math.min(best[name], us) // round 0 warms up
  }
}
console.log(JSON.stringify({ perRound: PER_ROUND, rounds: ROUNDS, ...best }))
