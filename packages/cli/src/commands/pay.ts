// tollgate pay <url>: pay what the URL asks (within --max) with a key from the environment, and print the
// response and the receipt. Keys: TOLLGATE_PRIVATE_KEY (exact EVM, upto, batch-settlement), TOLLGATE_SOLANA_KEYPAIR
// (exact Solana), NVM_API_KEY (Nevermined plans).
import { batchPayer, exactPayer, uptoPayer, type Permit2Approval } from '@tollgate/x402/evm'
import { getPayment, getReceipt, nvmPayer, wrapFetch, type Payer } from '@tollgate/x402/client'
import { privateKeyToAccount } from 'viem/accounts'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { paymentLine, receiptLine } from '../format.js'
import type { CliIO } from '../io.js'
import { solanaSecretKey } from '../solana-key.js'
import { buildRequestInit, checkUrl, UsageError, type RequestFlags } from '../request.js'
import { channelsPath, fileChannelStore } from '../channel-store.js'

export interface PayFlags extends RequestFlags {
  /** The spend cap: `$0.05` (USDC dollars) or atomic units. Default: the client's, $0.10. */
  max?: string
  /** Pay exact offers from this smart-contract wallet (ERC-1271), signing as its owner with TOLLGATE_PRIVATE_KEY. */
  wallet?: string
  /** Approve Permit2 (`max` or atomic units) when an upto or Permit2 exact offer needs it; never without the flag. */
  approvePermit2?: string
  /** The chain to send that approval on; default TOLLGATE_RPC_URL. */
  rpcUrl?: string
  json?: boolean
}

/** The Permit2 approval the flags ask for: none without --approve-permit2. */
export interface Permit2Flags {
  approvePermit2?: string
  rpcUrl?: string
}

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

export async function payersFromEnv(env: CliIO['env'], wallet?: string, permit2: Permit2Flags = {}): Promise<Payer[]> {
  const payers: Payer[] = []
  const key = env.TOLLGATE_PRIVATE_KEY?.trim()
  if (wallet !== undefined && !ADDRESS.test(wallet)) throw new UsageError(`--wallet is not an address (0x and 40 hex digits): ${JSON.stringify(wallet)}.`)
  if (wallet !== undefined && !key) throw new UsageError('--wallet pays as the wallet\'s owner: set TOLLGATE_PRIVATE_KEY to the owner\'s key.')
  if (key) {
    if (!PRIVATE_KEY.test(key)) throw new UsageError('TOLLGATE_PRIVATE_KEY is not a private key (0x and 64 hex digits).')
    const account = privateKeyToAccount(key as `0x${string}`)
    const approval = permit2Options(env, permit2, wallet)
    // A smart-contract wallet pays as itself (`from`) with its owner's signature, which the wallet vouches for.
    payers.push(exactPayer(wallet === undefined ? account : { address: wallet as `0x${string}`, signTypedData: (data) => account.signTypedData(data) }, approval))
    // upto (usage-based) offers: the permit is for the offer's maximum, which --max counts in full.
    if (wallet === undefined) payers.push(uptoPayer(account, approval))
    // batch-settlement offers: a channel kept in the channels file, which needs the chain to recover it from.
    const rpcUrl = permit2.rpcUrl ?? env.TOLLGATE_RPC_URL?.trim()
    if (wallet === undefined && rpcUrl) payers.push(batchPayer({ account, rpcUrl, store: fileChannelStore(channelsPath(env)) }))
  }
  const solanaKey = env.TOLLGATE_SOLANA_KEYPAIR?.trim()
  if (solanaKey) {
    const rpcUrl = env.TOLLGATE_SOLANA_RPC_URL?.trim()
    const secretKey = solanaSecretKey(solanaKey)
    // Loaded only with a Solana key: @solana/kit stays out of every other command's start-up.
    const { svmPayer } = await import('@tollgate/x402/svm')
    payers.push(svmPayer(secretKey, rpcUrl ? { rpcUrl } : {}))
  }
  const apiKey = env.NVM_API_KEY?.trim()
  if (apiKey) payers.push(nvmPayer({ apiKey, ...(env.NVM_BACKEND_URL ? { backendUrl: env.NVM_BACKEND_URL } : {}) }))
  if (payers.length === 0) {
    throw new UsageError('No key to pay with: set TOLLGATE_PRIVATE_KEY (exact EVM payments), TOLLGATE_SOLANA_KEYPAIR (exact Solana) or NVM_API_KEY (Nevermined plans).')
  }
  return payers
}

function permit2Options(env: CliIO['env'], flags: Permit2Flags, wallet: string | undefined): { approve?: Permit2Approval; rpcUrl?: string } {
  if (flags.approvePermit2 === undefined) return {}
  const value = flags.approvePermit2.trim()
  if (value !== 'max' && !/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--approve-permit2 takes 'max' or atomic units, got ${JSON.stringify(flags.approvePermit2)}.`)
  if (wallet !== undefined) throw new UsageError('--approve-permit2 sends an approval from the paying account; a smart-contract wallet approves Permit2 itself.')
  const rpcUrl = flags.rpcUrl ?? env.TOLLGATE_RPC_URL?.trim()
  if (!rpcUrl) throw new UsageError('--approve-permit2 sends a transaction: give --rpc-url <url> or set TOLLGATE_RPC_URL.')
  return { approve: value === 'max' ? 'max' : BigInt(value), rpcUrl }
}

export async function payCommand(target: string | undefined, flags: PayFlags, io: CliIO): Promise<ExitCode> {
  const url = checkUrl(target)
  const init = buildRequestInit(flags)
  const payers = await payersFromEnv(io.env, flags.wallet, flags)
  const paidFetch = wrapFetch(io.fetch, { payers, ...(flags.max === undefined ? {} : { maxAmount: flags.max }) })
  const response = await paidFetch(url, init)
  const payment = getPayment(response)
  const receipt = getReceipt(response)
  const body = await response.text()
  const ok = response.status < 400
  if (flags.json) {
    io.stdout(
      JSON.stringify({
        url,
        status: response.status,
        paid: payment !== undefined,
        payment: payment ? { payer: payment.payer, header: payment.header, x402Version: payment.offer.x402Version, requirements: payment.offer.raw } : null,
        receipt: receipt ?? null,
        body: parseMaybeJson(body, response.headers.get('content-type')),
      }),
    )
  } else {
    io.stderr(`HTTP ${response.status} ${response.statusText}`.trimEnd())
    io.stderr(payment ? paymentLine(payment) : 'Nothing to pay.')
    if (payment || receipt) io.stderr(receiptLine(receipt))
    // upto: the permit was for a maximum; what moved is what the server settled.
    if (payment?.offer.requirements.scheme === 'upto') io.stderr(`upto: authorised at most ${payment.offer.requirements.amount}, settled ${receipt?.amount ?? 'unknown'}.`)
    if (body !== '') io.stdout(body)
  }
  return ok ? EXIT.ok : EXIT.failed
}

function parseMaybeJson(body: string, contentType: string | null): unknown {
  if (contentType === null || !/json/i.test(contentType)) return body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}
