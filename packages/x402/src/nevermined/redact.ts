// Keeps secrets (the API key, the access token, the key's JWT part) out of text that may reach a log.
const MIN_SECRET_LENGTH = 8

export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue
    out = out.split(secret).join('[redacted]')
    // An API key is `<prefix>:<JWT>`: the JWT alone is just as secret.
    const colon = secret.indexOf(':')
    const tail = colon < 0 ? '' : secret.slice(colon + 1)
    if (tail.length >= MIN_SECRET_LENGTH) out = out.split(tail).join('[redacted]')
  }
  return out
}
