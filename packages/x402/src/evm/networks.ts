// Deprecated: the EVM names of the one network vocabulary (requirements/networks.ts), kept for one release.
import { KNOWN_NETWORKS, eip155ChainId, eip155Network, fromV1Network, toV1Network } from '../requirements/networks.js'

/** @deprecated use `KNOWN_NETWORKS` (the `v1` entries) or `chainIdOf` from `@tollgate/x402`. v1 EVM network names -> chain id. */
export const V1_NETWORK_CHAIN_IDS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(
    KNOWN_NETWORKS.flatMap((network) => {
      const chainId = eip155ChainId(network.caip2)
      return network.v1 && chainId !== undefined ? [[network.name, chainId]] : []
    }),
  ),
)

/** @deprecated use `eip155ChainId` from `@tollgate/x402`. */
export const parseEip155Network = eip155ChainId

/** @deprecated use `eip155ChainId(network) ?? eip155ChainId(fromV1Network(network))` from `@tollgate/x402`. A CAIP-2 id or a v1 name -> its chain id. */
export function chainIdOfNetwork(network: string): number | undefined {
  return eip155ChainId(network) ?? eip155ChainId(fromV1Network(network) ?? '')
}

/** @deprecated use `eip155Network` from `@tollgate/x402`. */
export const caip2Network = eip155Network

/** @deprecated use `toV1Network(eip155Network(chainId))` from `@tollgate/x402`. The v1 name of a chain, when v1 had one. */
export function v1NetworkName(chainId: number): string | undefined {
  return toV1Network(eip155Network(chainId))
}
