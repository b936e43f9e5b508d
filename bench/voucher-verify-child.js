// P9, target 4: the seller's local check of a batch-settlement voucher, one after another on one core. Run pinned
// to one CPU by batch-speed.js (`taskset -c <cpu> node voucher-verify-child.js`); prints one JSON line.
// Each check is `verifyVoucherSignature`, the call the seller's scheme makes for a voucher on an open channel
// (schemes/evm-batch-settlement/local.ts): the EIP-712 digest over the cached domain separator and one signature
// recovery (the native secp256k1 package when installed, as on the seller), its Keccaks by hash-wasm when installed
// (readied first, as a seller's first vouchers ready it). Every voucher is distinct (its own channel id and amount),
// all signed by one key, as a channel's vouchers are by its payer authorizer. Rounds of all vouchers, each timed by this
// process's CPU time (what one core gives it; on a shared machine the wall clock also counts other processes'
// turns on that core) and by the wall clock; the fastest round is the one the rest of the machine disturbed
// least (as P1 in process), the median is printed beside it. Each round of checks is followed by a round of the
// native recovery alone on the same vouchers, so that the check's share of what this core allows is read from
// neighbouring rounds, not from different moments of a shared machine's load.
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'

const VOUCHERS = Number(process.argv[2] ?? 1000)
const ROUNDS = Number(process.argv[3] ?? 8)
const CHAIN_ID = 84532
// Anvil's well-known fifth test key: a throwaway account for signing only.
const KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a'
const signer = privateKeyToAccount(KEY)

const { verifyVoucherSignature, voucherTypedData, voucherDigest, prepareVoucherCheck, voucherKeccakKind } = await import(built('batch'))
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

// The native recovery alone on the same vouchers, per second of CPU: the floor this core sets now (the check adds
// the digest's two Keccaks, the recovered key's one, and the parsing of its hex).
const recoveries = native?.ecdsaRecover
  ? vouchers.map((v) => ({ digest: hexToBytes(voucherDigest(v.channelId, v.maxClaimableAmount, CHAIN_ID)), signature: hexToBytes(v.signature) }))
  : undefined
function recoveryRound() {
  const cpu = process.cpuUsage()
  for (const { digest, signature } of recoveries) native.ecdsaRecover(signature.subarray(0, 64), signature[64] - 27, digest, false)
  const { user, system } = process.cpuUsage(cpu)
  return recoveries.length / ((user + system) / 1e6)
}

const loadBefore = loadavg()[0]
await prepareVoucherCheck() // as on a seller, whose first vouchers ready hash-wasm's Keccak while they use viem's
await round() // warm-up
const rounds = []
const recoveryRates = []
for (let i = 0; i < ROUNDS; i++) {
  rounds.push(await round())
  if (recoveries) recoveryRates.push(recoveryRound())
}
const loadAfter = loadavg()[0]
const sorted = (key) => rounds.map((r) => r[key]).sort((a, b) => a - b)
const [cpuRates, wallRates] = [sorted('cpu'), sorted('wall')]
const nativePerSecond = recoveries ? Math.max(...recoveryRates) : undefined

// For reading: the same recoveries with viem's JavaScript (@noble/curves) alone, the floor without the native package.
const sample = vouchers.slice(0, 50).map((v) => ({ hash: voucherDigest(v.channelId, v.maxClaimableAmount, CHAIN_ID), signature: v.signature }))
let started = performance.now()
for (const { hash, signature } of sample) await recoverAddress({ hash, signature })
const javascriptPerSecond = sample.length / ((performance.now() - started) / 1000)

// A forged voucher must be refused on this path too (the rate above is of checks that decide).
const forged = { ...vouchers[0], maxClaimableAmount: vouchers[0].maxClaimableAmount + 1n }
if (await verifyVoucherSignature(forged)) throw new Error('P9: a forged voucher was accepted')

const median = (list) => list[list.length >> 1]
console.log(JSON.stringify({ vouchers: VOUCHERS, rounds: ROUNDS, cpuFastest: cpuRates.at(-1), cpuMedian: median(cpuRates), wallFastest: wallRates.at(-1), wallMedian: median(wallRates), nativePerSecond, javascriptPerSecond, keccak: voucherKeccakKind(), load: [loadBefore, loadAfter] }))
