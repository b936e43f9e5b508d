// Test-only: bundles entry points for the browser platform and runs code in a bare V8 context with the web
// platform's globals and none of Node's, the way edge runtimes and browsers see our code.
import { build } from 'esbuild'
import { runInNewContext } from 'node:vm'

/** Bundles `contents` (imports resolved from `resolveDir`) as an IIFE whose exports are the global `tollgate`. */
export async function bundleForBrowser(contents: string, resolveDir: string): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    globalName: 'tollgate',
    metafile: true,
    logLevel: 'silent',
  })
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) }
}

/** Inputs that must never reach a browser bundle: Node built-ins and viem. */
export function forbiddenInputs(inputs: string[]): string[] {
  return inputs.filter((input) => input.startsWith('node:') || /(^|\/)node_modules\/viem\//.test(input))
}

const WEB_GLOBALS = {
  Request, Response, Headers, URL, URLSearchParams, TextEncoder, TextDecoder, AbortController, AbortSignal,
  ReadableStream, crypto, atob, btoa, setTimeout, clearTimeout, queueMicrotask, structuredClone, console, DOMException,
}

/** Runs `script` in a fresh context holding only the web globals (and whatever `extra` adds). */
export function runOnTheEdge(script: string, extra: Record<string, unknown> = {}): unknown {
  return runInNewContext(script, { ...WEB_GLOBALS, ...extra })
}
