// The exact SVM payer: builds and signs the buyer's Solana transaction for an offer (svm/payment-transaction.ts),
// reading the mint and a recent blockhash from a Solana RPC. It imports @solana/kit, so it is exported from
// `@tollgate/x402/svm`, never from `@tollgate/x402/client`.
import { createKeyPairSignerFromBytes, createSolanaRpc, type Address, type KeyPairSigner, type Rpc, type SolanaRpcApi } from '@solana/kit'
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentPayloadV1 } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { serves } from '../schemes/registry.js'
import { SOLANA_DEVNET, SOLANA_MAINNET, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, USDC_MINTS } from '../svm/constants.js'
import { solanaNetwork } from '../svm/network.js'
import { createPaymentTransaction } from '../svm/payment-transaction.js'
import type { Offer, Payer } from './types.js'

export interface SvmPayerOptions {
  /** The Solana RPC to read blockhashes and mints from: a URL per network, one URL for all, or a kit RPC client. */
  rpcUrl?: string | Record<string, string>
  rpc?: Rpc<SolanaRpcApi>
  /** Pay only on these networks (`solana`, `solana-devnet`, `solana:...`); default any Solana network. */
  networks?: string[]
  /** Pay only in these mints; default USDC (mainnet and devnet mints). */
  mints?: string[]
  /** Priority fee, micro-lamports per compute unit (the fee payer pays it: facilitators cap it); default 1. */
  computeUnitPrice?: bigint
}

const PUBLIC_RPC: Readonly<Record<string, string>> = { [SOLANA_MAINNET]: 'https://api.mainnet-beta.solana.com', [SOLANA_DEVNET]: 'https://api.devnet.solana.com' }

/**
 * Pays `exact` offers on Solana from `signer` (a kit KeyPairSigner, or a 64-byte secret key: a Solana keypair file's
 * bytes), in the mints it accepts, with the fee payer the offer names.
 */
export function svmPayer(signer: KeyPairSigner | Uint8Array, options: SvmPayerOptions = {}): Payer & { readonly address: Promise<string> } {
  const networks = options.networks?.map((network, i) => solanaNetwork(network, `svmPayer.networks[${i}]`)) ?? ['solana:*']
  const mints = options.mints ?? Object.values(USDC_MINTS)
  const kind = { schemes: ['exact'], networks }
  if (!(signer instanceof Uint8Array && signer.length === 64) && !(typeof (signer as KeyPairSigner)?.address === 'string' && (signer as KeyPairSigner).keyPair)) {
    throw new TollgateError('invalid_options', 'svmPayer: signer must be a KeyPairSigner (@solana/kit) or a 64-byte Solana secret key.', { path: 'signer', expected: 'KeyPairSigner | Uint8Array(64)' })
  }
  const keyPair: Promise<KeyPairSigner> = signer instanceof Uint8Array ? createKeyPairSignerFromBytes(signer) : Promise.resolve(signer)
  keyPair.catch(() => {})
  const rpcs = new Map<string, Rpc<SolanaRpcApi>>()
  const rpcFor = (network: string): Rpc<SolanaRpcApi> => {
    if (options.rpc) return options.rpc
    const url = typeof options.rpcUrl === 'string' ? options.rpcUrl : (options.rpcUrl?.[network] ?? PUBLIC_RPC[network])
    if (!url) throw new TollgateError('payer_error', `svmPayer: no RPC for ${network}; give rpcUrl.`, { path: 'rpcUrl', expected: 'a Solana RPC URL' })
    if (!rpcs.has(url)) rpcs.set(url, createSolanaRpc(url))
    return rpcs.get(url)!
  }
  const mintInfo = new Map<string, Promise<{ tokenProgram: string; decimals: number }>>()

  return {
    name: 'exact-svm',
    ...kind,
    address: keyPair.then((pair) => pair.address),
    canPay(offer: Offer) {
      const { requirements } = offer
      if (!serves(kind, requirements.scheme, requirements.network)) return false
      return (
        typeof requirements.asset === 'string' &&
        mints.includes(requirements.asset) &&
        typeof requirements.payTo === 'string' &&
        typeof requirements.amount === 'string' &&
        /^\d+$/.test(requirements.amount) &&
        typeof requirements.extra?.feePayer === 'string'
      )
    },
    async pay({ offer, signal }) {
      const { requirements } = offer
      const rpc = rpcFor(requirements.network)
      const mint = String(requirements.asset)
      const key = `${requirements.network} ${mint}`
      if (!mintInfo.has(key)) mintInfo.set(key, readMint(rpc, mint, signal).catch((error: unknown) => (mintInfo.delete(key), Promise.reject(error))))
      const [pair, { tokenProgram, decimals }, blockhash] = await Promise.all([keyPair, mintInfo.get(key)!, rpc.getLatestBlockhash({ commitment: 'confirmed' }).send({ abortSignal: signal })])
      const transaction = await createPaymentTransaction({
        signer: pair,
        requirements,
        tokenProgram,
        decimals,
        blockhash: blockhash.value,
        ...(options.computeUnitPrice === undefined ? {} : { computeUnitPriceMicroLamports: options.computeUnitPrice }),
      })
      const payload =
        offer.x402Version === 1
          ? ({ x402Version: 1, scheme: 'exact', network: offer.raw.network, payload: { transaction } } satisfies PaymentPayloadV1)
          : ({ x402Version: 2, resource: offer.resource, accepted: requirements, payload: { transaction } } satisfies PaymentPayload)
      return encodeBase64Json(payload)
    },
  }
}

/** The mint's token program (the account's owner) and decimals (byte 44 of an SPL Mint). */
async function readMint(rpc: Rpc<SolanaRpcApi>, mint: string, signal: AbortSignal): Promise<{ tokenProgram: string; decimals: number }> {
  const { value } = await rpc.getAccountInfo(mint as Address, { encoding: 'base64' }).send({ abortSignal: signal })
  if (!value || (value.owner !== TOKEN_PROGRAM && value.owner !== TOKEN_2022_PROGRAM)) {
    throw new TollgateError('payer_error', `svmPayer: ${mint} is not a token mint on this chain.`, { mint })
  }
  const data = Uint8Array.from(atob(value.data[0]), (c) => c.charCodeAt(0))
  return { tokenProgram: value.owner, decimals: data[44]! }
}
