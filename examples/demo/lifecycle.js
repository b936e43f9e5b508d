// Everything the demo starts is registered here, so that it is stopped exactly once and in reverse order:
// on success, on an error, and on Ctrl-C or SIGTERM.

/**
 * @typedef {object} Lifecycle
 * @property {(name: string, stop: () => unknown) => void} onStop  register something to stop (last in, first out)
 * @property {() => Promise<void>} stopAll  stop everything registered; safe to call more than once
 * @property {(handler: (signal: NodeJS.Signals) => void) => void} onSignal  called on SIGINT or SIGTERM, after stopAll
 * @property {(handler: () => void) => void} onOrphaned  called, after stopAll, when the parent process is gone
 */

const PARENT_CHECK_MS = 500

/**
 * @param {{ log: (line: string) => void }} options  where to say what is being stopped
 * @returns {Lifecycle}
 */
export function createLifecycle({ log }) {
  /** @type {{ name: string, stop: () => unknown }[]} */
  const stack = []
  /** @type {Promise<void> | undefined} */
  let stopping

  function stopAll() {
    stopping ??= (async () => {
      while (stack.length > 0) {
        const item = /** @type {{ name: string, stop: () => unknown }} */ (stack.pop())
        try {
          await item.stop()
          log(`stopped ${item.name}`)
        } catch (error) {
          log(`could not stop ${item.name}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    })()
    return stopping
  }

  /** @param {(signal: NodeJS.Signals) => void} handler */
  function onSignal(handler) {
    /** @param {NodeJS.Signals} signal */
    const stopOn = (signal) => {
      // A second Ctrl-C while stopping means "now": anvil is still killed by its own exit hook.
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143)
      log(`${signal} received, stopping`)
      stopAll().then(() => handler(signal))
    }
    process.on('SIGINT', stopOn)
    process.on('SIGTERM', stopOn)
  }

  /** @param {() => void} handler */
  function onOrphaned(handler) {
    // `npm run demo` puts a shell between npm and node that does not pass SIGTERM on: when npm is killed,
    // the shell dies and node is adopted by another process. Seeing the parent change is the only sign.
    const parent = process.ppid
    const timer = setInterval(() => {
      if (process.ppid === parent || stopping) return
      clearInterval(timer)
      log('the parent process is gone, stopping')
      stopAll().then(handler)
    }, PARENT_CHECK_MS)
    timer.unref()
  }

  return {
    onStop(name, stop) {
      stack.push({ name, stop })
    },
    stopAll,
    onSignal,
    onOrphaned,
  }
}
