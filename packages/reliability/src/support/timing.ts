// Time per input, bounded as a sanity cap (not a benchmark): an input slower than a tenth of the cap is timed
// again twice and only the fastest of the three counts, so a GC pause or a busy CI machine does not fail the run
// (nor inflate the reported maximum), while a pathological input, slow every time, does.
export interface Timer {
  /** Runs `work`, returns its result, and fails when even the fastest of three runs is over the cap. */
  time<T>(work: () => T, label?: string): T
  timeAsync<T>(work: () => Promise<T>, label?: string): Promise<T>
  /** The slowest input seen (after retiming), ms. */
  readonly maxMs: number
}

export function boundedTime(capMs: number): Timer {
  let maxMs = 0
  const retimeAbove = capMs / 10
  const settle = (elapsed: number, retime: () => number, label: string | undefined) => {
    let best = elapsed
    if (best > retimeAbove) best = Math.min(best, retime(), retime())
    if (best > capMs) throw new Error(`an input took ${best.toFixed(1)} ms (cap ${capMs} ms)${label ? `: ${label}` : ''}`)
    maxMs = Math.max(maxMs, best)
  }
  return {
    time(work, label) {
      const started = performance.now()
      const result = work()
      settle(performance.now() - started, () => {
        const again = performance.now()
        work()
        return performance.now() - again
      }, label)
      return result
    },
    async timeAsync(work, label) {
      const started = performance.now()
      const result = await work()
      let elapsed = performance.now() - started
      if (elapsed > retimeAbove) {
        for (let i = 0; i < 2; i++) {
          const again = performance.now()
          await work()
          elapsed = Math.min(elapsed, performance.now() - again)
        }
      }
      settle(elapsed, () => elapsed, label)
      return result
    },
    get maxMs() {
      return maxMs
    },
  }
}
