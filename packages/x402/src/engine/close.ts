// close() for the adapters: the one way a middleware or handler carries its paywall's close().
import type { Closable } from './types.js'

/**
 * `target` itself, with `close()` calling its paywall's: `return withClose(middleware, paywall)`. For adapter
 * authors; any object with `close()` (another adapter's middleware) will do as the paywall.
 */
export function withClose<T extends object>(target: T, paywall: Closable): T & Closable {
  return Object.assign(target, { close: () => paywall.close() })
}

