// Parsing a URL costs microseconds and a paid request used to parse the same one four times. A server sees
// few distinct URLs, so what depends on the URL string alone is remembered, in a map that starts over when full.
const MAX_ENTRIES = 1000

export function createUrlMemo<T>(compute: (url: string) => T): (url: string) => T {
  const known = new Map<string, T>()
  return (url) => {
    let value = known.get(url)
    if (value === undefined) {
      value = compute(url)
      if (known.size >= MAX_ENTRIES) known.clear()
      known.set(url, value)
    }
    return value
  }
}
