// The Store interface and the bounded in-memory Store.
export type { Store } from './types.js'
export { memoryStore, DEFAULT_MAX_ENTRIES } from './memory.js'
export type { MemoryStore, MemoryStoreOptions } from './memory.js'
export { memoryOutbox } from './memory-outbox.js'
export type { MemoryOutbox } from './memory-outbox.js'
export type { Outbox, OutboxEntry } from './types.js'
