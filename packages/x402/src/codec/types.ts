// Wire objects of x402 v1 and v2 (see shared/spec/PROTOCOL.md). Plain data: what crosses the network.

/** v2 resource description. Always an object on the wire, never a bare string. */
export interface ResourceInfo {
  url: string
  description?: string
  mimeType?: string
}

/**
 * One way to pay, in v2 shape. `exact` uses amount/asset/payTo/maxTimeoutSeconds;
 * Nevermined (`nvm:erc4337`, `nvm:card-delegation`) uses planId and extra.agentId/httpVerb.
 * Unknown keys are kept, so schemes we do not know pass through verbatim.
 */
export interface PaymentRequirements {
  scheme: string
  network: string
  amount?: string
  asset?: string
  payTo?: string
  maxTimeoutSeconds?: number
  planId?: string
  extra?: Record<string, unknown>
  [key: string]: unknown
}

/** v2: the PAYMENT-REQUIRED header. */
export interface PaymentRequired {
  x402Version: 2
  error?: string
  resource: ResourceInfo
  accepts: PaymentRequirements[]
  extensions?: Record<string, unknown>
}

/** v2: the PAYMENT-SIGNATURE header (and a Nevermined access token). */
export interface PaymentPayload {
  x402Version: 2
  resource?: ResourceInfo
  accepted: PaymentRequirements
  payload: Record<string, unknown>
  extensions?: Record<string, unknown>
}

/** v1 requirements: amount is `maxAmountRequired`, resource is a string, networks are names. */
export interface PaymentRequirementsV1 {
  scheme: string
  network: string
  maxAmountRequired: string
  asset: string
  payTo: string
  resource: string
  description: string
  mimeType: string
  maxTimeoutSeconds: number
  outputSchema?: Record<string, unknown>
  extra?: Record<string, unknown>
  [key: string]: unknown
}

/** v1: the 402 JSON body. */
export interface PaymentRequiredV1 {
  x402Version: 1
  error: string
  accepts: PaymentRequirementsV1[]
}

/** v1: the X-PAYMENT header. */
export interface PaymentPayloadV1 {
  x402Version: 1
  scheme: string
  network: string
  payload: Record<string, unknown>
}

/** PAYMENT-RESPONSE / X-PAYMENT-RESPONSE, and a facilitator's /settle answer. */
export interface SettleResponse {
  success: boolean
  transaction: string
  network: string
  payer?: string
  errorReason?: string
  amount?: string
  [key: string]: unknown
}

/** A facilitator's /verify answer. */
export interface VerifyResponse {
  isValid: boolean
  invalidReason?: string
  invalidMessage?: string
  payer?: string
  [key: string]: unknown
}

/** A facilitator's /supported answer. */
export interface SupportedKind {
  x402Version: number
  scheme: string
  network: string
  extra?: Record<string, unknown>
}
export interface SupportedResponse {
  kinds: SupportedKind[]
  extensions?: unknown[]
  signers?: Record<string, unknown>
}

export type X402Version = 1 | 2

/** A decoded proof header, tagged by the generation that sent it. */
export type DecodedProof =
  | { x402Version: 2; header: string; raw: string; payload: PaymentPayload }
  | { x402Version: 1; header: string; raw: string; payload: PaymentPayloadV1 }
