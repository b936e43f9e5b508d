// Headers that describe a body or its caching belong to the answer that carries them: when the paywall's own answer
// (a 402, a 5xx, a replayed one) replaces a handler's, the handler's must not land on it. Others (CORS, cookies set
// by earlier middleware) stay. Names only, no Node: it lives in the core so that every adapter asks the same.
const BODY_HEADERS = /^(content-|etag$|last-modified$|transfer-encoding$|cache-control$)/

/** Whether a header (lower-case name) describes the answer's body or its caching, so goes with that answer. */
export function isBodyHeader(name: string): boolean {
  return BODY_HEADERS.test(name)
}
