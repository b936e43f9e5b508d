// P9, target 4: the seller's local check of a batch-settlement voucher, one after another on one core. Run pinned
// to one CPU by batch-speed.js (`taskset -c <cpu> node voucher-verify-child.js`); prints one JSON line.
// Each check is `verifyVoucherSignature`, the call the seller's scheme makes for a voucher on an open channel
// (schemes/evm-batch-settlement/local.ts): the EIP-712 digest over the cached domain separator and one signature
// recovery (the native secp256k1 package when installed, as on the seller). Every voucher is distinct (its own
// channel id and amount); all are signed by one key, as a channel's vouchers are by its payer authorizer, so the
// check's remembered public key for that signer is used as on a seller (the recovery itself is never skipped). Rounds of all vouchers, each timed by this
// process's CPU time (what one core gives it; on a shared machine the wall clock also counts other processes'
// turns on that core) and by the wall clock; the fastest round is the one the rest of the machine disturbed
// least (as P1 in process), the median is printed beside it.
import { createRequire } from 'node:module'
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'

const VOUCHERS = Number(process.argv[2] ?? 1000)
const ROUNDS = Number(process.argv[3] ?? 8)
const CHAIN_ID = 84532
// Anvil's well-known fifth test key: a throwaway account for signing only.
const KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a'
const signer = privateKeyToAccount(KEY)

const { verifyVoucherSignature, voucherTypedData, voucherDigest } = await import(built('batch'))
const { bytesToHex, hexToBytes, recoverAddress } = await import('viem')

// Signed natively when the package is there (setup only: viem's JavaScript signing of a thousand vouchers takes
// tens of seconds on a loaded machine); both are RFC 6979, so the first voucher is checked against viem's.
const native = (() => {
  try {
    return createRequire(import.meta.url)('secp256k1')
  } catch {
    return undefined
  }
})()
async function sign(channelId, maxClaimableAmount) {
  if (!native) return signer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount }, CHAIN_ID))
  const { signature, recid } = native.ecdsaSign(hexToBytes(voucherDigest(channelId, maxClaimableAmount, CHAIN_ID)), hexToBytes(KEY))
  return `${bytesToHex(signature)}${(27 + recid).toString(16)}`
}

const vouchers = []
for (let i = 0; i < VOUCHERS; i++) {
  const channelId = `0x${(i + 1).toString(16).padStart(64, '0')}`
  const maxClaimableAmount = BigInt(1000 * (i + 1))
  vouchers.push({ channelId, maxClaimableAmount, signature: await sign(channelId, maxClaimableAmount), signer: signer.address, chainId: CHAIN_ID })
}
const first = vouchers[0]
if (first.signature !== (await signer.signTypedData(voucherTypedData(first, CHAIN_ID)))) throw new Error('P9: the native voucher signature differs from viem\'s')

/** One round: checks per second of this process's CPU time, and per second of wall time. */
async function round() {
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (const voucher of vouchers) {
    if (!(await verifyVoucherSignature(voucher))) throw new Error('P9: a valid voucher was refused')
  }
  const { user, system } = process.cpuUsage(cpu)
  return { cpu: vouchers.length / ((user + system) / 1e6), wall: vouchers.length / ((performance.now() - started) / 1000) }
}

await round() // warm-up
const rounds = []
for (let i = 0; i < ROUNDS; i++) rounds.push(await round())
const sorted = (key) => rounds.map((r) => r[key]).sort((a, b) => a - b)
const [cpuRates, wallRates] = [sorted('cpu'), sorted('wall')]

// For reading: the same recoveries with viem's JavaScript (@noble/curves) alone, the floor without the native package.
const sample = vouchers.slice(0, 50).map((v) => ({ hash: voucherDigest(v.channelId, v.maxClaimableAmount, CHAIN_ID), signature: v.signature }))
let started = performance.now()
for (const { hash, signature } of sample) await recoverAddress({ hash, signature })
const javascriptPerSecond = sample.length / ((performance.now() - started) / 1000)

// For reading: the native recovery alone on the same vouchers, per second of CPU, fastest of the rounds: the floor
// this core sets now (the check adds the digest's two keccaks, the address's one, and the hex conversions).
let nativePerSecond
if (native?.ecdsaRecover) {
  const bytes = vouchers.map((v) => ({ digest: hexToBytes(voucherDigest(v.channelId, v.maxClaimableAmount, CHAIN_ID)), signature: hexToBytes(v.signature) }))
  const rates = []
  for (let i = 0; i < ROUNDS; i++) {
    const cpu = process.cpuUsage()
    for (const { digest, signature } of bytes) native.ecdsaRecover(signature.subarray(0, 64), signature[64] - 27, digest, false)
    const { user, system } = process.cpuUsage(cpu)
    rates.push(bytes.length / ((user + system) / 1e6))
  }
  nativePerSecond = Math.max(...rates)
}

// A forged voucher must be refused on this path too (the rate above is of checks that decide).
const forged = { ...vouchers[0], maxClaimableAmount: vouchers[0].maxClaimableAmount + 1n }
if (await verifyVoucherSignature(forged)) throw new Error('P9: a forged voucher was accepted')

const median = (list) => list[list.length >> 1]
console.log(JSON.stringify({ vouchers: VOUCHERS, rounds: ROUNDS, cpuFastest: cpuRates.at(-1), cpuMedian: median(cpuRates), wallFastest: wallRates.at(-1), wallMedian: median(wallRates), nativePerSecond, javascriptPerSecond }))
