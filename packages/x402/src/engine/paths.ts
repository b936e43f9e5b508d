// Path normalisation for route matching. A crafted path must not skip a paid route, so a request path is
// matched in every form a framework might route it by: as sent and percent-decoded, with duplicate and
// trailing slashes and dot segments removed, case-folded.

const NEEDS_WORK = /%|\/\/|\/\.|\/$|[A-Z]/

/** The forms of `pathname` to match routes against (one form in the common case). */
export function pathForms(pathname: string): string[] {
  if (!NEEDS_WORK.test(pathname)) return [pathname]
  const raw = normalizePath(pathname)
  const decoded = normalizePath(safeDecode(pathname))
  return raw === decoded ? [raw] : [decoded, raw]
}

/** Collapse `//`, resolve `.` and `..`, drop a trailing slash, lower-case. */
export function normalizePath(path: string): string {
  const out: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  return ('/' + out.join('/')).toLowerCase()
}

function safeDecode(path: string): string {
  if (!path.includes('%')) return path
  // Decode twice at most: a double-encoded `%252F` should not hide a slash from us when a proxy decodes once.
  const once = decodeEscapes(path)
  return once.includes('%') ? decodeEscapes(once) : once
}

/** Decodes every escape that decodes, keeping the ones that do not: one bad `%zz` must not shield a `%2F..`. */
function decodeEscapes(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run)
      } catch {
        return run.replace(/%[0-9a-fA-F]{2}/g, (escape) => {
          const code = parseInt(escape.slice(1), 16)
          return code < 0x80 ? String.fromCharCode(code) : escape
        })
      }
    })
  }
}
