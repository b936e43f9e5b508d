// A paid tool's options: the same names as the HTTP adapters' inline options, plus the resource it is bound to.
import type { RoutePaywallOptions } from '@tollgate/x402'
import type { DiscoveryOutput } from '@tollgate/x402/extensions'

/** What a paid tool accepts and the paywall's policies: the same names as the HTTP adapters' inline options. */
export interface PaidToolOptions extends Omit<RoutePaywallOptions, 'routes' | 'baseUrl' | 'trustProxy' | 'htmlPaywall'> {
  /**
   * The URL payments for this tool are bound to and the payment-required result names, e.g.
   * `https://api.example.com/tools/search`. Default `mcp://tool/<name>`, as the x402 MCP transport writes it.
   */
  resource?: string
  /**
   * Publish the tool for discovery (bazaar) in its payment-required result: its name, description and input schema
   * as tools/list shows them, with an example of its arguments and of its output when given. `paidTool` only.
   */
  discovery?: true | { example?: Record<string, unknown>; output?: DiscoveryOutput }
}
