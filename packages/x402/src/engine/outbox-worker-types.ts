// What the outbox worker is and how it is tuned: types only, in a file of their own so that engine/types.ts can
// name them without importing the worker (which imports events.ts, which imports types.ts: a cycle).

export interface OutboxWorkerOptions {
  /** How often the worker looks for due entries, in ms. Default 1 000. */
  intervalMs?: number
  /** First retry delay in ms; doubles per attempt. Default 1 000. */
  baseDelayMs?: number
  /** Longest retry delay in ms. Default 60 000. */
  maxDelayMs?: number
  /** Entries settled per look. Default 16. */
  batchSize?: number
}

export interface OutboxWorker {
  /** Settle what is due now, once. Resolves with the number of entries handled. */
  drain(): Promise<number>
  /** Look for due entries every `intervalMs` until stopped. Does not keep a Node process alive. */
  start(): void
  /** Stop looking; resolves when a drain in progress has finished. */
  stop(): Promise<void>
}
