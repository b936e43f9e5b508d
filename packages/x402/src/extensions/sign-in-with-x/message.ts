// The sign-in-with-x wire (x402 specs/extensions/sign-in-with-x.md, CAIP-122): the server's challenge in the
// 402's `extensions["sign-in-with-x"]`, the client's signed proof in the SIGN-IN-WITH-X header (base64 JSON), and
// the EIP-4361 (SIWE) text an EVM wallet signs, written line by line as the reference's SIWE library writes it.

export const SIGN_IN_WITH_X = 'sign-in-with-x'
/** The request header that carries a signed sign-in. */
export const SIGN_IN_WITH_X_HEADER = 'SIGN-IN-WITH-X'

/** The challenge's message fields, shared by every chain the server accepts. */
export interface SignInInfo {
  domain: string
  uri: string
  version: string
  nonce: string
  issuedAt: string
  statement?: string
  expirationTime?: string
  notBefore?: string
  requestId?: string
  resources?: string[]
}

/** A chain the server accepts sign-ins from: `eip191` for EVM wallets (EOA, ERC-1271, ERC-6492). */
export interface SignInChain {
  chainId: string
  type: 'eip191' | 'ed25519'
  signatureScheme?: 'eip191' | 'eip1271' | 'eip6492' | 'siws'
}

/** `extensions["sign-in-with-x"]` of a 402. */
export interface SignInChallenge {
  info: SignInInfo
  supportedChains: SignInChain[]
  schema: Record<string, unknown>
}

/** The signed sign-in a client sends: the challenge's fields, its chain, its address and signature. */
export interface SignInProof extends SignInInfo {
  address: string
  chainId: string
  type: 'eip191' | 'ed25519'
  signatureScheme?: SignInChain['signatureScheme']
  signature: string
}

/** The JSON schema of a proof, as the spec publishes it in the challenge. */
export function signInSchema(): Record<string, unknown> {
  const text = { type: 'string' }
  const time = { type: 'string', format: 'date-time' }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      domain: text,
      address: text,
      statement: text,
      uri: { type: 'string', format: 'uri' },
      version: text,
      chainId: text,
      type: text,
      nonce: text,
      issuedAt: time,
      expirationTime: time,
      notBefore: time,
      requestId: text,
      resources: { type: 'array', items: { type: 'string', format: 'uri' } },
      signature: text,
    },
    required: ['domain', 'address', 'uri', 'version', 'chainId', 'type', 'nonce', 'issuedAt', 'signature'],
  }
}

/** The number of an `eip155:<n>` chain id, or undefined for any other. */
export function evmChainNumber(chainId: string): number | undefined {
  const match = /^eip155:(\d+)$/.exec(chainId)
  return match ? Number(match[1]) : undefined
}

/**
 * The EIP-4361 message an EVM wallet signs for `info` on `chainNumber` as `address`. Fields are written as they
 * came (no re-formatting of dates or addresses): the signer and the verifier must produce the same bytes.
 */
export function siweMessage(info: SignInInfo, address: string, chainNumber: number): string {
  const head = `${info.domain} wants you to sign in with your Ethereum account:\n${address}`
  const lines = [`URI: ${info.uri}`, `Version: ${info.version}`, `Chain ID: ${chainNumber}`, `Nonce: ${info.nonce}`, `Issued At: ${info.issuedAt}`]
  if (info.expirationTime) lines.push(`Expiration Time: ${info.expirationTime}`)
  if (info.notBefore) lines.push(`Not Before: ${info.notBefore}`)
  if (info.requestId !== undefined) lines.push(`Request ID: ${info.requestId}`)
  if (info.resources) lines.push(['Resources:', ...info.resources.map((resource) => `- ${resource}`)].join('\n'))
  // Without a statement EIP-4361 keeps an empty line where it would be.
  const prefix = info.statement === undefined ? `${head}\n\n` : `${head}\n\n${info.statement}\n`
  return `${prefix}\n${lines.join('\n')}`
}
