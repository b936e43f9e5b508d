// Optional packages that only Node can use (native bindings, WASM compiled from bytes): reached through Node's
// module loader at run time, never by an import, so that edge bundles never contain them and edge runtimes never
// try to load them.
/**
 * `require(id)` through Node's module loader, reached without an import (so edge bundles never see the package);
 * undefined where there is no such loader or the package is not installed. Throws nothing.
 */
export function requireOptional(id: string): unknown {
  try {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; cwd?: () => string } }).process
    const moduleApi = process?.getBuiltinModule?.('node:module') as { createRequire?: (from: string) => (id: string) => unknown } | undefined
    if (!moduleApi?.createRequire) return undefined
    // From this file when it is ESM; from the app's folder otherwise (the package is the app's optional install).
    const from = typeof import.meta.url === 'string' ? import.meta.url : `${process?.cwd?.() ?? '.'}/`
    return moduleApi.createRequire(from)(id)
  } catch {
    return undefined
  }
}
