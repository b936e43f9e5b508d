// The reference vectors live beside the repository (../shared/vectors from its root), or in TOLLGATE_VECTORS_DIR.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const DEFAULT_DIR = fileURLToPath(new URL('../../../../../shared/vectors/', import.meta.url))

export function readVector<T = any>(name: 'x402-v1.json' | 'x402-v2.json' | 'nevermined.json'): T {
  const dir = process.env.TOLLGATE_VECTORS_DIR ?? DEFAULT_DIR
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T
}
