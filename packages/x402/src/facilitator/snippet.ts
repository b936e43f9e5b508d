// A short, safe excerpt of a facilitator's answer for error details: enough to see what went wrong, never a
// credential or a payment token (a facilitator may echo our request or its own auth header back).
const MAX_SNIPPET = 200
/** Long runs of base64, base64url, JWT or hex characters: tokens, signatures, keys. Addresses (42) survive. */
const TOKEN_LIKE = /[A-Za-z0-9+/_=.-]{48,}/g
const REDACTED = '[redacted]'

/**
 * The first `MAX_SNIPPET` characters of `text`, with `secrets` (the values we sent: auth headers, the payment
 * token) and anything token-like replaced by `[redacted]`, and whitespace collapsed.
 */
export function snippet(text: string, secrets: readonly string[] = []): string {
  let out = text
  // Longest first, so that `Bearer <jwt>` goes as a whole before its `<jwt>`.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 8) out = out.split(secret).join(REDACTED)
  }
  out = out.replace(TOKEN_LIKE, REDACTED).replace(/\s+/g, ' ').trim()
  return out.length > MAX_SNIPPET ? out.slice(0, MAX_SNIPPET) + '…' : out
}

/** The strings worth scrubbing from a header set: each value, and each long word of it (`Bearer <jwt>`). */
export function secretsOf(headers: Headers): string[] {
  const secrets: string[] = []
  headers.forEach((value) => {
    secrets.push(value)
    for (const word of value.split(/\s+/)) if (word.length >= 8 && word !== value) secrets.push(word)
  })
  return secrets
}
