// fast-check arbitraries for header values: arbitrary text, base64 of arbitrary JSON, and valid vectors
// mutated at the JSON level (a field replaced, removed or added) or at the text level (a character changed,
// inserted or removed, the value cut short).
import fc from 'fast-check'

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_='

export function base64OfText(text: string, style: 'standard' | 'url' | 'unpadded' = 'standard'): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  const standard = btoa(binary)
  if (style === 'standard') return standard
  const url = standard.replace(/\+/g, '-').replace(/\//g, '_')
  return style === 'url' ? url : url.replace(/=+$/, '')
}

const base64Style = fc.constantFrom('standard' as const, 'url' as const, 'unpadded' as const)

/** Any JS string: lone surrogates, control characters, long runs. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...BASE64_ALPHABET), maxLength: 400 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 50 }) },
  // Around the 8192-byte limit, cheap to build.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 8000, max: 9000 }), fc.constantFrom('A', 'eyJ4', '%', '\u00e9')).map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n)) },
)

/** Base64 (standard, url-safe, unpadded) of arbitrary JSON, and of JSON objects with an x402Version. */
export const base64OfJson: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.jsonValue({ maxDepth: 4 }), base64Style).map(([value, style]) => base64OfText(JSON.stringify(value) ?? 'null', style)),
  fc
    .tuple(fc.constantFrom(1, 2, 3, 0, '2', null), fc.dictionary(fc.constantFrom('scheme', 'network', 'payload', 'accepted', 'accepts', 'resource', 'success', 'transaction', 'error', 'extra'), fc.jsonValue({ maxDepth: 3 })), base64Style)
    .map(([x402Version, rest, style]) => base64OfText(JSON.stringify({ x402Version, ...rest }), style)),
)

/** One change to a JSON value: at the n-th path, replace the value, delete the key, or add a key. */
export const jsonMutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace' as const, 'delete' as const, 'add' as const),
  key: fc.string({ maxLength: 12 }),
  value: fc.jsonValue({ maxDepth: 3 }),
})
export type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never

export function mutateJson(original: unknown, mutation: JsonMutation): unknown {
  const copy = JSON.parse(JSON.stringify(original)) as unknown
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = []
  const containers: Array<Record<string, unknown> | unknown[]> = []
  const walk = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return
    const container = value as Record<string, unknown> | unknown[]
    containers.push(container)
    for (const key of Object.keys(container)) {
      slots.push({ parent: container, key: Array.isArray(container) ? Number(key) : key })
      walk((container as Record<string, unknown>)[key])
    }
  }
  walk(copy)
  if (mutation.kind === 'add' || slots.length === 0) {
    const container = containers[mutation.at % Math.max(containers.length, 1)]
    if (!container) return mutation.value
    if (Array.isArray(container)) container.push(mutation.value)
    else container[mutation.key] = mutation.value
    return copy
  }
  const slot = slots[mutation.at % slots.length]!
  if (mutation.kind === 'delete') {
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1)
    else delete slot.parent[slot.key as string]
  } else {
    ;(slot.parent as Record<string, unknown>)[slot.key] = mutation.value
  }
  return copy
}

/** One change to a header's text. */
export const textMutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('change' as const, 'insert' as const, 'remove' as const, 'cut' as const, 'swap-alphabet' as const),
  char: fc.oneof(fc.constantFrom(...BASE64_ALPHABET), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  length: fc.integer({ min: 1, max: 40 }),
})
export type TextMutation = typeof textMutation extends fc.Arbitrary<infer T> ? T : never

export function mutateText(text: string, mutation: TextMutation): string {
  const at = mutation.at % Math.max(text.length, 1)
  switch (mutation.kind) {
    case 'change':
      return text.slice(0, at) + mutation.char + text.slice(at + 1)
    case 'insert':
      return text.slice(0, at) + mutation.char + text.slice(at)
    case 'remove':
      return text.slice(0, at) + text.slice(at + mutation.length)
    case 'cut':
      return text.slice(0, at)
    case 'swap-alphabet':
      return text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  }
}

/** Values derived from valid objects: JSON mutated then encoded, or the valid header text mutated. */
export function mutatedVectors(objects: readonly unknown[], headers: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.constantFrom(...objects), jsonMutation, base64Style).map(([object, mutation, style]) => base64OfText(JSON.stringify(mutateJson(object, mutation)) ?? 'null', style)),
    fc.tuple(fc.constantFrom(...headers), fc.array(textMutation, { minLength: 1, maxLength: 3 })).map(([header, mutations]) => mutations.reduce(mutateText, header)),
  )
}

/** A value `Headers` accepts: Latin-1, no NUL, CR or LF. */
export function headerSafe(text: string): string {
  return text.replace(/[\0\r\n]/g, '').replace(/[^\u0000-\u00ff]/g, '?')
}
