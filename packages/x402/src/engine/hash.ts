// The only form in which a token leaves the engine: its SHA-256, hex. Web Crypto's digest is asynchronous and, on
// Node, runs on the thread pool: tens of microseconds of latency on every paid request. Where the runtime offers
// Node's synchronous hash (Node >= 20.16, Bun, Deno) without an import, that is used instead; a small memo makes a
// reusable token (a credits plan's access token) cost one Map lookup.
const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const MEMO_SIZE = 1024

type SyncHash = (token: string) => string
const syncHash = findSyncHash()
const memo = new Map<string, string>()

export function hashToken(token: string): string | Promise<string> {
  const known = memo.get(token)
  if (known !== undefined) return known
  if (!syncHash) return digest(token).then((hash) => remember(token, hash))
  return remember(token, syncHash(token))
}

function remember(token: string, hash: string): string {
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value as string)
  memo.set(token, hash)
  return hash
}

async function digest(token: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token)))
  let hex = ''
  for (const byte of bytes) hex += HEX[byte]
  return hex
}

function findSyncHash(): SyncHash | undefined {
  try {
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
    const nodeCrypto = getBuiltin?.('node:crypto') as { createHash?: (algorithm: string) => { update(data: string): { digest(encoding: 'hex'): string } } } | undefined
    const createHash = nodeCrypto?.createHash
    if (!createHash) return undefined
    return (token) => createHash('sha256').update(token).digest('hex')
  } catch {
    return undefined
  }
}
