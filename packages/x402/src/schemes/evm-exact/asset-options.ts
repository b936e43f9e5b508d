// What the EVM option factories (exact, upto) share: the token (default USDC of the network, or one given in full),
// its decimals, the payee and the EIP-712 domain fields.
import { defaultAsset } from '../../requirements/assets.js'
import { checkAddress, checkKeys, invalidOption, show } from '../option-checks.js'

/** A token given in full: address and the EIP-712 domain its signatures use. */
export interface ExactAsset {
  address: string
  /** EIP-712 domain name (USDC: "USD Coin" on most mainnets, "USDC" on some testnets). */
  name: string
  /** EIP-712 domain version. */
  version: string
  /** Token decimals, used to convert `price`; default 6. */
  decimals?: number
}

export const DEFAULT_MAX_TIMEOUT_SECONDS = 300
const DEFAULT_TOKEN_DECIMALS = 6
const ZERO_ADDRESS = /^0x0{40}$/
const ASSET_KEYS = ['address', 'name', 'version', 'decimals']

/** The token's EIP-712 name and version when known (shown to payers, unused by Permit2), then `rest`. */
export function domainKeys(asset: { name: unknown; version: unknown }, rest: Record<string, unknown>): Record<string, unknown> {
  const keys: Record<string, unknown> = {}
  if (typeof asset.name === 'string') keys.name = asset.name
  if (typeof asset.version === 'string') keys.version = asset.version
  return Object.assign(keys, rest)
}

export function checkPayTo(value: unknown): string {
  const payTo = checkAddress(value, 'payTo')
  if (ZERO_ADDRESS.test(payTo)) throw invalidOption('payTo', 'payTo is the zero address: payments to it are burnt', 'the receiving address')
  return payTo
}

export function resolveAsset(options: { asset?: string | ExactAsset }, network: string): { address: string; name: unknown; version: unknown; decimals: number | undefined } {
  const { asset } = options
  if (asset === undefined) {
    const known = defaultAsset(network)
    if (!known) {
      throw invalidOption('asset', `asset is required on ${network}: there is no default token there; give { address, name, version, decimals }`, 'a token')
    }
    return known
  }
  if (typeof asset === 'string') {
    return { address: checkAddress(asset, 'asset'), name: undefined, version: undefined, decimals: undefined }
  }
  checkKeys('exact', asset, ASSET_KEYS, 'asset')
  return {
    address: checkAddress(asset.address, 'asset.address'),
    name: checkDomainField(asset.name, 'name', 'asset.name'),
    version: checkDomainField(asset.version, 'version', 'asset.version'),
    decimals: asset.decimals,
  }
}

export function resolveDecimals(decimals: number | undefined, assetDecimals: number | undefined): number {
  if (decimals !== undefined && assetDecimals !== undefined && decimals !== assetDecimals) {
    throw invalidOption('decimals', `decimals (${decimals}) disagrees with asset.decimals (${assetDecimals})`, 'one value')
  }
  const value = decimals ?? assetDecimals ?? DEFAULT_TOKEN_DECIMALS
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw invalidOption(decimals === undefined ? 'asset.decimals' : 'decimals', `decimals must be an integer from 0 to 255, got ${show(value)}`, 'an integer from 0 to 255')
  }
  return value
}

export function checkDomainField(value: unknown, field: 'name' | 'version', path = `extra.${field}`): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidOption(
      path,
      `${path} must be the token's EIP-712 domain ${field} (a non-empty string), got ${show(value)}; an asset given as a bare address needs extra.name and extra.version`,
      'a non-empty string',
    )
  }
  return value
}
