// A paid tool's options: the same names as the HTTP adapters' inline options, plus the resource it is bound to.
import type { RoutePaywallOptions } from '@tollgate/x402'

/** What a paid tool accepts and the paywall's policies: the same names as the HTTP adapters' inline options. */
export interface PaidToolOptions extends Omit<RoutePaywallOptions, 'routes' | 'baseUrl' | 'trustProxy' | 'htmlPaywall'> {
  /**
   * The URL payments for this tool are bound to and the payment-required result names, e.g.
   * `https://api.example.com/tools/search`. Default `mcp://tool/<name>`, as the x402 MCP transport writes it.
   */
  resource?: string
}
