// One payment at a time per channel in this process: a cumulative voucher is signed from the last one's outcome,
// so two requests at once would sign the same amount (and the seller refuses the second: channel_busy).

export interface ChannelLocks {
  /** Waits for the channel to be free, takes it, and returns the function that frees it (idempotent). */
  acquire(channelId: string): Promise<() => void>
}

export function channelLocks(): ChannelLocks {
  const tails = new Map<string, Promise<void>>()
  return {
    async acquire(channelId) {
      const key = channelId.toLowerCase()
      const previous = tails.get(key) ?? Promise.resolve()
      let free!: () => void
      const mine = new Promise<void>((resolve) => (free = resolve))
      const tail = previous.then(() => mine)
      tails.set(key, tail)
      await previous
      let freed = false
      return () => {
        if (freed) return
        freed = true
        free()
        if (tails.get(key) === tail) tails.delete(key)
      }
    },
  }
}
