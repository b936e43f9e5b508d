// The buyer's sign-in-with-x (x402 specs/extensions/sign-in-with-x.md): when a 402 carries a sign-in challenge,
// sign it with the wallet that paid before (EIP-4361 text, signed as an EIP-191 message) and send it in the
// SIGN-IN-WITH-X header: a server that has the payment on record lets the request in without paying again.
// A challenge bound to another origin than the one that sent it is not signed.
import { bytesToBase64 } from '../codec/base64.js'
import { evmChainNumber, SIGN_IN_WITH_X, SIGN_IN_WITH_X_HEADER, siweMessage, type SignInChallenge, type SignInProof } from '../extensions/sign-in-with-x/message.js'
import { TollgateError } from '../errors.js'
import type { ClientExtension } from './extension-types.js'

/** A wallet that signs messages: a viem account, or a smart wallet's address with its owner's signing. */
export interface SignInSigner {
  /** The address that paid (for a smart wallet: the wallet's, not its owner's). */
  readonly address: string
  /** An EIP-191 signature of `message` (viem's `account.signMessage`), or what the wallet's ERC-1271 accepts. */
  signMessage(args: { message: string }): Promise<string>
}

/** Signs in with `signer` before paying again: `wrapFetch(fetch, { payers, extensions: [walletSignIn(account)] })`. */
export function walletSignIn(signer: SignInSigner): ClientExtension {
  if (!signer || typeof signer.address !== 'string' || typeof signer.signMessage !== 'function') {
    throw new TollgateError('invalid_options', 'walletSignIn: expected a signer { address, signMessage({ message }) }, e.g. a viem account.', {
      path: 'signer',
      expected: '{ address, signMessage({ message }) }',
    })
  }
  return {
    key: SIGN_IN_WITH_X,
    async signIn({ demand, url }) {
      const challenge = (demand.paymentRequired as { extensions?: Record<string, unknown> }).extensions?.[SIGN_IN_WITH_X] as SignInChallenge | undefined
      const info = challenge?.info
      if (!info || typeof info.domain !== 'string' || typeof info.uri !== 'string' || !Array.isArray(challenge.supportedChains)) return undefined
      if (!boundTo(info, url)) return undefined
      const chain = challenge.supportedChains.find((c) => c?.type === 'eip191' && evmChainNumber(c.chainId) !== undefined)
      if (!chain) return undefined
      const message = siweMessage(info, signer.address, evmChainNumber(chain.chainId)!)
      const signature = await signer.signMessage({ message })
      const proof: SignInProof = { ...info, address: signer.address, chainId: chain.chainId, type: 'eip191', signature }
      if (chain.signatureScheme !== undefined) proof.signatureScheme = chain.signatureScheme
      return { [SIGN_IN_WITH_X_HEADER]: bytesToBase64(new TextEncoder().encode(JSON.stringify(proof))) }
    },
  }
}

/** The challenge names the origin that sent it (its host as `domain`, its origin in `uri`). */
function boundTo(info: SignInChallenge['info'], url: string): boolean {
  try {
    const origin = new URL(url)
    return info.domain === origin.host && new URL(info.uri).origin === origin.origin
  } catch {
    return false
  }
}
