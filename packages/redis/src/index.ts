// @tollgate/redis: the core's Store and settlement Outbox on Redis, so that several instances of a paid API share
// the replay guard, the verification cache, idempotent retries and the settlements left to retry.
export { redisStore, DEFAULT_PREFIX } from './store.js'
export type { RedisStore, RedisStoreOptions } from './store.js'
export { redisOutbox, DEFAULT_OUTBOX_KEY, DEFAULT_GROUP } from './outbox.js'
export type { RedisOutbox, RedisOutboxOptions } from './outbox.js'
export { DEFAULT_COMMAND_TIMEOUT_MS } from './connection.js'
export type { ConnectionOptions, RedisClientLike } from './connection.js'
