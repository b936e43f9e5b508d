// A Solana JSON-RPC backed by LiteSVM: the methods the reference x402 SVM client and facilitator and @solana/kit
// readers call (blockhash, accounts and token balances, simulate, send, signature statuses, slot). Answers JSON-RPC
// 2.0 bodies; served over HTTP by litesvm-rpc-server.ts, or to a kit RPC client by `liteSvmTransport`.
import { createSolanaRpcFromTransport, getBase64Encoder, getTransactionDecoder, type Address, type Rpc, type Signature, type SolanaRpcApi } from '@solana/kit'
import type { FailedTransactionMetadata, LiteSVM } from 'litesvm'
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './constants.js'
import { failure } from './litesvm-chain.js'
import { bytesToBase64, toBase58 } from './wire.js'

type Params = unknown[]
type Method = (params: Params) => unknown

/** A JSON-RPC error with its code (-32601 unknown method, -32602 bad params, -32002 transaction failed). */
export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

const transactions = getTransactionDecoder()
const base64 = getBase64Encoder()

/** The JSON-RPC methods over `svm`, answering as the Solana RPC does (context `{ slot }`, base64 accounts). */
export function liteSvmRpcMethods(svm: LiteSVM): Record<string, Method> {
  const context = () => ({ slot: svm.getClock().slot, apiVersion: '2.2.0' })
  const withContext = (value: unknown) => ({ context: context(), value })
  const decode = (params: Params) => {
    const [wire, config] = params as [string, { encoding?: string } | undefined]
    if (config?.encoding !== 'base64') throw new RpcError(-32602, 'only base64 transactions are supported')
    return transactions.decode(base64.encode(wire))
  }
  const accountInfo = ([at, config]: Params) => {
    const account = svm.getAccount(String(at) as Address)
    if (!account.exists) return withContext(null)
    const data = (config as { encoding?: string } | undefined)?.encoding === 'jsonParsed' ? parsedToken(svm, account.programAddress, account.data) : undefined
    return withContext({
      data: data ?? [bytesToBase64(account.data), 'base64'],
      executable: account.executable,
      lamports: account.lamports,
      owner: account.programAddress,
      rentEpoch: 0n,
      space: BigInt(account.data.length),
    })
  }
  return {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': '2.2.0', 'feature-set': 0 }),
    getGenesisHash: () => svm.latestBlockhash(),
    getSlot: () => svm.getClock().slot,
    getBlockHeight: () => svm.getClock().slot,
    getLatestBlockhash: () => withContext({ blockhash: svm.latestBlockhash(), lastValidBlockHeight: svm.getClock().slot + 150n }),
    isBlockhashValid: ([hash]) => withContext(hash === svm.latestBlockhash()),
    getMinimumBalanceForRentExemption: ([size]) => svm.minimumBalanceForRentExemption(BigInt(size as number)),
    getBalance: ([at]) => withContext(svm.getBalance(String(at) as Address) ?? 0n),
    getAccountInfo: accountInfo,
    getMultipleAccounts: ([list, config]) => withContext((list as string[]).map((at) => (accountInfo([at, config]) as { value: unknown }).value)),
    getTokenAccountBalance: ([at]) => {
      const account = svm.getAccount(String(at) as Address)
      if (!account.exists || account.data.length < 72) throw new RpcError(-32602, 'Invalid param: not a Token account')
      const mint = svm.getAccount(toBase58(account.data.subarray(0, 32)) as Address)
      return withContext(tokenAmount(readU64(account.data, 64), mint.exists ? mint.data[44]! : 0))
    },
    simulateTransaction: (params) => {
      const tx = decode(params)
      const sigVerify = (params[1] as { sigVerify?: boolean }).sigVerify === true
      if (!sigVerify) svm.withSigverify(false)
      try {
        const result = svm.simulateTransaction(tx)
        const failed = 'err' in result ? (result as FailedTransactionMetadata) : undefined
        const meta = failed ? failed.meta() : (result as { meta(): { logs(): string[]; computeUnitsConsumed(): bigint } }).meta()
        return withContext({
          err: failed ? (failure(failed) as { error: string }).error : null,
          logs: meta.logs(),
          accounts: null,
          unitsConsumed: meta.computeUnitsConsumed(),
          returnData: null,
          innerInstructions: null,
          replacementBlockhash: null,
          loadedAccountsDataSize: 0,
        })
      } finally {
        svm.withSigverify(true)
      }
    },
    sendTransaction: (params) => {
      const result = svm.sendTransaction(decode(params))
      if ('err' in result) throw new RpcError(-32002, `Transaction simulation failed: ${(failure(result) as { error: string }).error}`)
      return toBase58(result.signature())
    },
    getSignatureStatuses: ([signatures]) =>
      withContext(
        (signatures as string[]).map((signature) => {
          const found = svm.getTransaction(signature as Signature)
          if (found === null) return null
          const err = 'err' in found ? (failure(found as FailedTransactionMetadata) as { error: string }).error : null
          return { slot: svm.getClock().slot, confirmations: null, err, status: err === null ? { Ok: null } : { Err: err }, confirmationStatus: 'finalized' }
        }),
      ),
  }
}

/** Answers one JSON-RPC 2.0 request body (or a batch). */
export function answerRpc(methods: Record<string, Method>, body: unknown): unknown {
  if (Array.isArray(body)) return body.map((one) => answerRpc(methods, one))
  const { id = null, method, params = [] } = (body ?? {}) as { id?: unknown; method?: unknown; params?: Params }
  const run = typeof method === 'string' && Object.hasOwn(methods, method) ? methods[method] : undefined
  if (!run) return { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${String(method)}` } }
  try {
    return { jsonrpc: '2.0', id, result: run(Array.isArray(params) ? params : []) }
  } catch (error) {
    const code = error instanceof RpcError ? error.code : -32603
    return { jsonrpc: '2.0', id, error: { code, message: error instanceof Error ? error.message : String(error) } }
  }
}

/** A kit RPC client answered by `svm` in process (kit's custom transport): no HTTP, the same JSON-RPC answers. */
export function liteSvmRpc(svm: LiteSVM): Rpc<SolanaRpcApi> {
  const methods = liteSvmRpcMethods(svm)
  // Kit reads integers as bigint and narrows the fields it knows to numbers: give it what its HTTP parser would.
  return createSolanaRpcFromTransport((async ({ payload }: { payload: unknown }) => integersToBigInt(answerRpc(methods, payload))) as never)
}

/** JSON text of an answer, bigints written as plain numbers. */
export function rpcJson(answer: unknown): string {
  return JSON.stringify(answer, (_, value: unknown) => (typeof value === 'bigint' ? `__big__${value}` : value)).replace(/"__big__(-?\d+)"/g, '$1')
}

function integersToBigInt(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  if (Array.isArray(value)) return value.map(integersToBigInt)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, integersToBigInt(v)]))
  return value
}

function readU64(data: Uint8Array, at: number): bigint {
  return new DataView(data.buffer, data.byteOffset).getBigUint64(at, true)
}

function tokenAmount(amount: bigint, decimals: number) {
  const whole = Number(amount) / 10 ** decimals
  return { amount: amount.toString(), decimals, uiAmount: whole, uiAmountString: String(whole) }
}

/** jsonParsed for SPL token accounts and mints (what balance readers ask for); other accounts stay base64. */
function parsedToken(svm: LiteSVM, owner: string, data: Uint8Array): unknown {
  if (owner !== TOKEN_PROGRAM && owner !== TOKEN_2022_PROGRAM) return undefined
  const program = owner === TOKEN_PROGRAM ? 'spl-token' : 'spl-token-2022'
  if (data.length === 82) {
    return { program, space: 82, parsed: { type: 'mint', info: { decimals: data[44], isInitialized: data[45] === 1, supply: readU64(data, 36).toString(), mintAuthority: null, freezeAuthority: null } } }
  }
  if (data.length < 165) return undefined
  const mint = toBase58(data.subarray(0, 32))
  const mintAccount = svm.getAccount(mint as Address)
  const decimals = mintAccount.exists ? mintAccount.data[44]! : 0
  const info = { mint, owner: toBase58(data.subarray(32, 64)), state: 'initialized', isNative: false, tokenAmount: tokenAmount(readU64(data, 64), decimals) }
  return { program, space: data.length, parsed: { type: 'account', info } }
}
