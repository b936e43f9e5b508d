// The default asset of each network: USDC, with the EIP-712 domain (`name`, `version`) its
// transferWithAuthorization signatures are made under. The name differs between chains, so it is data.

export interface AssetInfo {
  /** Token contract address. */
  readonly address: string
  /** EIP-712 domain name. */
  readonly name: string
  /** EIP-712 domain version. */
  readonly version: string
  readonly decimals: number
}

function usdc(address: string, name: string): AssetInfo {
  return Object.freeze({ address, name, version: '2', decimals: 6 })
}

const USDC_BY_NETWORK: ReadonlyMap<string, AssetInfo> = new Map([
  ['eip155:8453', usdc('0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 'USD Coin')], // Base
  ['eip155:84532', usdc('0x036CbD53842c5426634e7929541eC2318f3dCF7e', 'USDC')], // Base Sepolia
  ['eip155:43114', usdc('0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 'USD Coin')], // Avalanche C-Chain
  ['eip155:43113', usdc('0x5425890298aed601595a70AB815c96711a31Bc65', 'USD Coin')], // Avalanche Fuji
  ['eip155:137', usdc('0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', 'USD Coin')], // Polygon
  ['eip155:80002', usdc('0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582', 'USDC')], // Polygon Amoy
])

/** USDC on a network given as CAIP-2 (`eip155:84532`), or undefined when there is no default. */
export function defaultAsset(caip2: string): AssetInfo | undefined {
  return USDC_BY_NETWORK.get(caip2)
}

/** The CAIP-2 networks that have a default asset. */
export function networksWithDefaultAsset(): string[] {
  return [...USDC_BY_NETWORK.keys()]
}
