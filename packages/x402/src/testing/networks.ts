// The test kit's view of the one network vocabulary (requirements/networks.ts): a name without a counterpart is
// returned as given, so that made-up networks of a test pass through unchanged.
import { fromV1Network as caip2OfV1Name, toV1Network as v1NameOf } from '../requirements/networks.js'

/** The v1 name of a network (`eip155:84532` -> `base-sepolia`); names without one are returned as given. */
export function toV1Network(network: string): string {
  return v1NameOf(network) ?? network
}

/** The CAIP-2 id of a v1 network name (`base` -> `eip155:8453`); anything else is returned as given. */
export function fromV1Network(network: string): string {
  return caip2OfV1Name(network) ?? network
}
