// @tollgate/node/fetch: Node's request and response as Fetch shapes, shared by the adapters built on node:http
// (@tollgate/fastify imports it; Express goes through @tollgate/node itself). A subpath of its own so that the
// main entry's API stays the paywall's.
export { toFetchRequest, type FetchRequestOptions } from './request.js'
export { headersOf } from './response-headers.js'
