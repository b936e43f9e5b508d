// Test-only: reads the reference vectors committed in packages/x402/test/vectors (see its README), or from
// TOLLGATE_VECTORS_DIR when set. Nothing here reads outside the repository.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const VECTORS_DIR = fileURLToPath(new URL('../../test/vectors/', import.meta.url))

export function readVector<T = any>(name: 'x402-v1.json' | 'x402-v2.json' | 'nevermined.json'): T {
  const dir = process.env.TOLLGATE_VECTORS_DIR ?? VECTORS_DIR
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T
}
