// A deposit payload checked as the spec asks, cheapest first: the channel config against the offer, the token
// authorization (ERC-3009 ReceiveWithAuthorization to the ERC-3009 collector, or a Permit2 witness transfer to the
// Permit2 collector), the first voucher, the payer's balance, and the deposit dry-run from the settler.
import { getAddress, recoverTypedDataAddress, type Address, type Client, type Hex, type PublicClient } from 'viem'
import { readContract, verifyTypedData } from 'viem/actions'
import { ERC20_ABI } from '../permit2-abi.js'
import { PERMIT2_ADDRESS } from '../permit2.js'
import { VALID_BEFORE_MARGIN_SECONDS } from '../scheme.js'
import { chainRead, dryRun, type BatchContext, type ContractCall } from './chain-send.js'
import { amountBreak, configBreak, offerPrice, voucherBreak, type BatchOffer, type RuleBreak } from './channel-rules.js'
import { readChannel, type ChannelSnapshot } from './channel-state.js'
import { ERC3009_DEPOSIT_COLLECTOR_ADDRESS, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS } from './constants.js'
import { erc3009CollectorData, erc3009DepositTypedData, permit2CollectorData, permit2DepositTypedData } from './deposit-authorization.js'
import { sameAddress, toChannelConfig } from './payload-parse.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import type { DepositPayloadWire, Erc3009DepositAuthorizationWire, Permit2DepositAuthorizationWire } from './wire.js'

export type DepositCheck = { ok: true; snapshot: ChannelSnapshot; call: ContractCall } | ({ ok: false } & RuleBreak)

const refuse = (reason: string, message: string): DepositCheck => ({ ok: false, reason, message })

/** True when `payer` signed the typed data: recovered here, else (a contract wallet) asked on chain (ERC-1271). */
async function signedBy(client: Client, payer: Address, signature: Hex, typedData: object, signal: AbortSignal): Promise<boolean> {
  const params = { ...typedData, address: payer, signature } as unknown as Parameters<typeof verifyTypedData>[1]
  try {
    if (sameAddress(await recoverTypedDataAddress(params), payer)) return true
  } catch {
    // Not a plain 65-byte signature: only a wallet can accept it.
  }
  return chainRead('the deposit signature check', signal, () => verifyTypedData(client, params))
}

async function erc3009Break(ctx: BatchContext, payload: DepositPayloadWire, auth: Erc3009DepositAuthorizationWire, requirements: BatchOffer, chainId: number, signal: AbortSignal) {
  const { name, version } = requirements.extra ?? {}
  if (typeof name !== 'string' || typeof version !== 'string') {
    return { reason: REASONS.missingEip712Domain, message: "The offer's extra has no token EIP-712 name and version for the ERC-3009 deposit." }
  }
  const now = BigInt(ctx.now())
  const [validAfter, validBefore] = [BigInt(auth.validAfter), BigInt(auth.validBefore)]
  if (validBefore < now + BigInt(VALID_BEFORE_MARGIN_SECONDS)) return { reason: REASONS.validBefore, message: `The deposit authorization expires at ${validBefore}; it is ${now}.` }
  if (validAfter > now) return { reason: REASONS.validAfter, message: `The deposit authorization is valid from ${validAfter}; it is ${now}.` }
  const payer = getAddress(payload.channelConfig.payer)
  const terms = { payer, amount: BigInt(payload.deposit.amount), validAfter, validBefore, salt: BigInt(auth.salt) }
  const typed = erc3009DepositTypedData(terms, payload.voucher.channelId, { address: requirements.asset as Address, name, version, chainId })
  if (!(await signedBy(ctx.client, payer, auth.signature, typed, signal))) {
    return { reason: REASONS.receiveAuthorizationSignature, message: `The ReceiveWithAuthorization of the deposit is not signed by ${payer}.` }
  }
  return undefined
}

async function permit2Break(ctx: BatchContext, payload: DepositPayloadWire, auth: Permit2DepositAuthorizationWire, requirements: BatchOffer, chainId: number, signal: AbortSignal) {
  const payer = getAddress(payload.channelConfig.payer)
  const amount = BigInt(payload.deposit.amount)
  if (!sameAddress(auth.from, payer)) return { reason: REASONS.permit2InvalidSignature, message: `The permit is from ${auth.from}, the channel's payer is ${payer}.` }
  if (!sameAddress(auth.spender, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS)) return { reason: REASONS.permit2InvalidSpender, message: `The permit's spender is ${auth.spender}, not the Permit2 deposit collector ${PERMIT2_DEPOSIT_COLLECTOR_ADDRESS}.` }
  if (!sameAddress(auth.permitted.token, requirements.asset)) return { reason: REASONS.tokenMismatch, message: `The permit is for ${auth.permitted.token}, the offer's asset is ${requirements.asset}.` }
  if (BigInt(auth.permitted.amount) !== amount) return { reason: REASONS.permit2AmountMismatch, message: `The permit is for ${auth.permitted.amount}, the deposit for ${amount}.` }
  if (auth.witness.channelId.toLowerCase() !== payload.voucher.channelId.toLowerCase()) return { reason: REASONS.channelIdMismatch, message: `The permit's witness is channel ${auth.witness.channelId}, the voucher's is ${payload.voucher.channelId}.` }
  const now = BigInt(ctx.now())
  if (BigInt(auth.deadline) < now + BigInt(VALID_BEFORE_MARGIN_SECONDS)) return { reason: REASONS.permit2DeadlineExpired, message: `The permit's deadline ${auth.deadline} has passed (it is ${now}).` }
  const typed = permit2DepositTypedData({ token: getAddress(auth.permitted.token), amount, nonce: BigInt(auth.nonce), deadline: BigInt(auth.deadline) }, auth.witness.channelId, chainId)
  if (!(await signedBy(ctx.client, payer, auth.signature, typed, signal))) return { reason: REASONS.permit2InvalidSignature, message: `The Permit2 deposit permit is not signed by ${payer}.` }
  const allowance = await chainRead('allowance', signal, () => readContract(ctx.client, { address: getAddress(requirements.asset), abi: ERC20_ABI, functionName: 'allowance', args: [payer, PERMIT2_ADDRESS] }))
  if (allowance < amount) return { reason: REASONS.permit2AllowanceRequired, message: `${payer} has approved Permit2 for ${allowance} of ${requirements.asset}; the deposit needs ${amount}.` }
  return undefined
}

/** The deposit call the settler would send for this payload. */
function depositCall(payload: DepositPayloadWire): ContractCall {
  const { amount, authorization } = payload.deposit
  const config = toChannelConfig(payload.channelConfig)
  if (authorization.erc3009Authorization) {
    const a = authorization.erc3009Authorization
    const data = erc3009CollectorData({ validAfter: BigInt(a.validAfter), validBefore: BigInt(a.validBefore), salt: BigInt(a.salt) }, a.signature)
    return { functionName: 'deposit', args: [config, BigInt(amount), ERC3009_DEPOSIT_COLLECTOR_ADDRESS, data] }
  }
  const p = authorization.permit2Authorization!
  return { functionName: 'deposit', args: [config, BigInt(amount), PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, permit2CollectorData({ nonce: BigInt(p.nonce), deadline: BigInt(p.deadline) }, p.signature)] }
}

export async function checkDeposit(ctx: BatchContext, payload: DepositPayloadWire, requirements: BatchOffer, chainId: number, signal: AbortSignal): Promise<DepositCheck> {
  const { channelConfig: config, voucher, deposit } = payload
  const broken = configBreak(config, voucher.channelId, requirements, chainId)
  if (broken) return { ok: false, ...broken }
  const amount = BigInt(deposit.amount)
  if (amount === 0n) return refuse(REASONS.depositPayload, 'The deposit amount is 0.')
  const hinted = requirements.extra?.assetTransferMethod
  const method = hinted === 'permit2' || hinted === 'eip3009' ? hinted : deposit.authorization.permit2Authorization ? 'permit2' : 'eip3009'
  const { erc3009Authorization: erc3009, permit2Authorization: permit2 } = deposit.authorization
  if (method === 'eip3009' && !erc3009) return refuse(REASONS.erc3009AuthorizationRequired, 'The offer takes ERC-3009 deposits; this one carries no erc3009Authorization.')
  if (method === 'permit2' && !permit2) return refuse(REASONS.permit2AuthorizationRequired, 'The offer takes Permit2 deposits; this one carries no permit2Authorization.')
  const authBroken = erc3009 ? await erc3009Break(ctx, payload, erc3009, requirements, chainId, signal) : await permit2Break(ctx, payload, permit2!, requirements, chainId, signal)
  if (authBroken) return { ok: false, ...authBroken }
  const voucherBroken = await voucherBreak(ctx.client, config, voucher, chainId, signal)
  if (voucherBroken) return { ok: false, ...voucherBroken }

  const payer = getAddress(config.payer)
  const [snapshot, payerBalance] = await Promise.all([
    chainRead('the channel', signal, () => readChannel(ctx.client as PublicClient, voucher.channelId)),
    chainRead('balanceOf', signal, () => readContract(ctx.client, { address: getAddress(requirements.asset), abi: ERC20_ABI, functionName: 'balanceOf', args: [payer] })),
  ])
  if (payerBalance < amount) return refuse(REASONS.insufficientBalance, `${payer} holds ${payerBalance} of ${requirements.asset}; the deposit is ${amount}.`)
  const amountBroken = amountBreak(snapshot, BigInt(voucher.maxClaimableAmount), 'deposit', amount, offerPrice(requirements))
  if (amountBroken) return { ok: false, ...amountBroken }
  const call = depositCall(payload)
  const refused = await dryRun(ctx, call, signal)
  if (refused) return refuse(REASONS.depositSimulationFailed, refused)
  return { ok: true, snapshot, call }
}
