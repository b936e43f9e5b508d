// The only form in which a token leaves the engine: its SHA-256, hex.
const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token)))
  let hex = ''
  for (const byte of digest) hex += HEX[byte]
  return hex
}
