// Part (2), the route matcher: what "the same path" means for the no-bypass property, and paths disguised
// every way a client might try to reach a paid route without matching it.
import fc from 'fast-check'

/** Percent-decode every escape that decodes (an invalid one stays as it is), collapse `//`, resolve `.` and `..`, lower-case. */
export function normalise(pathname: string): string {
  const decoded = pathname.replace(/(?:%[0-9A-Fa-f]{2})+/g, decodeRun)
  const out: string[] = []
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  return ('/' + out.join('/')).toLowerCase()
}

/** A run of escapes: each UTF-8 sequence in it that decodes is decoded, the escapes around it are kept. */
function decodeRun(run: string): string {
  const escapes = run.match(/%[0-9A-Fa-f]{2}/g) ?? []
  let out = ''
  for (let i = 0; i < escapes.length; ) {
    let taken = 0
    for (let length = Math.min(4, escapes.length - i); length > 0 && taken === 0; length--) {
      try {
        out += decodeURIComponent(escapes.slice(i, i + length).join(''))
        taken = length
      } catch {
        // Not a whole UTF-8 sequence: try a shorter one.
      }
    }
    if (taken === 0) {
      out += escapes[i]
      taken = 1
    }
    i += taken
  }
  return out
}

/** A character as a client might spell it in a path. */
const spelling = fc.constantFrom('plain', 'upper', 'encoded', 'encoded-lower') as fc.Arbitrary<'plain' | 'upper' | 'encoded' | 'encoded-lower'>

function spell(char: string, how: 'plain' | 'upper' | 'encoded' | 'encoded-lower'): string {
  if (how === 'upper') return char.toUpperCase()
  if (how === 'plain') return char
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0')
  return '%' + (how === 'encoded' ? hex.toUpperCase() : hex.toLowerCase())
}

/** What goes between two segments: a slash, or something that means one slash once normalised. */
const separator = fc.constantFrom('/', '//', '///', '/./', '/%2e/', '/%2E/', '%2F', '%2f', '/%2F', '/junk/../', '/junk/%2e%2e/', '/junk%2F..%2F', '/junk/..%2F')

/** Junk that `..` then removes, which may hold escapes a decoder chokes on. */
const junk = fc.constantFrom('junk', 'a', '%zz', '%', '%e', '%C3', '%ff', '%E2%82', 'J%55NK', '%25', '%2525')

const trailer = fc.constantFrom('', '/', '//', '/.', '?x=1', '#top', '/?', '%2F')

/**
 * `path` disguised: characters in another case or percent-encoded, segments joined by odd separators, dot
 * segments with junk before them, a trailing slash or query.
 */
export function disguised(path: string, options: { invalidEscapes: boolean }): fc.Arbitrary<string> {
  const segments = path.split('/').filter((segment) => segment !== '')
  const junkFor = options.invalidEscapes ? junk : fc.constantFrom('junk', 'a', 'J%55NK', '%41b')
  return fc
    .tuple(
      fc.array(fc.array(spelling, { minLength: 32, maxLength: 32 }), { minLength: segments.length, maxLength: segments.length }),
      fc.array(fc.tuple(separator, junkFor), { minLength: segments.length, maxLength: segments.length }),
      trailer,
    )
    .map(([spellings, separators, end]) =>
      segments
        .map((segment, i) => {
          const [sep, junkText] = separators[i]!
          const spelled = [...segment].map((char, j) => spell(char, spellings[i]![j % 32]!)).join('')
          // The first separator must start the path with a slash.
          const lead = i === 0 && !sep.startsWith('/') ? '/' : sep.replace('junk', junkText)
          return lead + spelled
        })
        .join('') + end,
    )
}

/** Arbitrary path text after the origin: anything, with the characters that matter to routing made common. */
export const anyPath: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom('/', '.', '%', '2', 'e', 'E', 'f', 'F', 'a', 'W', 'x', '\\', ';', '?', '#', ':', '*', '~', ' ', '\u00e9', '\u0130'), maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom('weather', 'WEATHER', 'ask', 'files', 'users', '42', 'report', 'api', 'v1', 'data', '..', '.', '', '%2e%2e', '%2F', '%77eather', '%zz', '*', ':id'), { maxLength: 8 }).map((parts) => parts.join('/')),
).map((text) => (text.startsWith('/') ? text : '/' + text))
