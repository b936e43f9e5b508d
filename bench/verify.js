// P4: local exact EVM verification. Cold: distinct signed payments, each one's EIP-712 signature recovered
// (verifyExactSignature: viem, with the native secp256k1 package for recovery when installed). Cache hits: the engine's path for a token it has verified
// before (the proof memo, the token-hash memo and the verification cache over memoryStore).
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'
import { NETWORK, PAY_TO } from './lib/fixtures.js'

// Anvil's well-known first test key: a throwaway account for signing only.
const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const USDC = { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', name: 'USDC', version: '2' }

export async function runVerify({ cold = 1500, hits = 300_000 } = {}) {
  const { exact, buildRequirements } = await import(built('core'))
  const { createExactPayment, verifyExactSignature } = await import(built('evm'))
  const { createVerifier, createProofReader, hashToken, memoryStore } = await import(built('internals'))
  const option = exact({ amount: '1000', network: NETWORK, payTo: PAY_TO, asset: USDC })
  const requirements = buildRequirements(option, '1000')
  const account = privateKeyToAccount(KEY)
  const now = Math.floor(Date.now() / 1000)
  const payments = []
  for (let i = 0; i < cold; i++) payments.push(await createExactPayment({ account, requirements, now, validForSeconds: 3600 }))

  // Cold: one core, one verification after another.
  for (const payment of payments.slice(0, 100)) await verifyExactSignature({ payload: payment.payload.payload, requirements, now })
  let started = performance.now()
  for (const payment of payments) {
    const result = await verifyExactSignature({ payload: payment.payload.payload, requirements, now })
    if (!result.isValid) throw new Error(`P4: a valid payment was refused: ${result.invalidReason}`)
  }
  const coldPerSecond = cold / ((performance.now() - started) / 1000)

  // What cold verification is bound by without the optional native secp256k1: @noble/curves' public key recovery
  // alone, on the same inputs.
  const { secp256k1 } = await import('@noble/curves/secp256k1')
  const { hashTypedData, parseSignature } = await import('viem')
  const { transferWithAuthorizationTypedData } = await import(built('evm'))
  const terms = { chainId: 84532, asset: USDC.address, name: USDC.name, version: USDC.version }
  const recoveries = payments.slice(0, 500).map((payment) => {
    const { authorization, signature } = payment.payload.payload
    const { r, s, yParity } = parseSignature(signature)
    return { hash: hashTypedData(transferWithAuthorizationTypedData(terms, authorization)).slice(2), sig: new secp256k1.Signature(BigInt(r), BigInt(s)).addRecoveryBit(yParity) }
  })
  started = performance.now()
  for (const { hash, sig } of recoveries) sig.recoverPublicKey(hash)
  const recoverOnlyPerSecond = recoveries.length / ((performance.now() - started) / 1000)

  // Cache hits: what a request with a known token costs in the engine before the handler, minus the HTTP parts.
  let facilitatorCalls = 0
  const facilitator = {
    verify: async (request) => {
      facilitatorCalls++
      return verifyExactSignature({ payload: request.proof.payload.payload, requirements: request.requirements, now })
    },
    settle: async () => ({ success: false, transaction: '', network: NETWORK }),
  }
  const verifier = createVerifier(facilitator, memoryStore(), 60_000)
  const readProof = createProofReader(8192)
  const headers = new Headers({ 'payment-signature': payments[0].header })
  const hit = async () => {
    const proof = readProof(headers).value
    const tokenHash = await hashToken(proof.raw)
    const outcome = await verifier.verify('tg:verify:' + tokenHash + '|offer', { proof, requirements, token: proof.raw }, 5000)
    if (!outcome.result.isValid) throw new Error('P4: the cached verification is not valid')
  }
  for (let i = 0; i < 20_000; i++) await hit()
  started = performance.now()
  for (let i = 0; i < hits; i++) await hit()
  const hitsPerSecond = hits / ((performance.now() - started) / 1000)
  if (facilitatorCalls !== 1) throw new Error(`P4: expected one facilitator call, saw ${facilitatorCalls}`)
  return { coldPerSecond, recoverOnlyPerSecond, hitsPerSecond }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runVerify())
}
