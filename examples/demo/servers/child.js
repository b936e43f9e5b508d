// A server in another process (next start, bun): started with the demo's settings in its environment, its output
// relayed line by line to the demo's log, and stopped by PID (SIGTERM, then SIGKILL if it lingers).
import { spawn } from 'node:child_process'

/**
 * @typedef {object} ChildServerOptions
 * @property {string} name  how its output lines are prefixed: `[next] ...`
 * @property {string} [cwd]
 * @property {Record<string, string>} env  added to the demo's own environment
 * @property {RegExp} ready  the line that says it listens; group 1 is its URL unless `url` is given
 * @property {string} [url]
 * @property {number} [timeoutMs]  default 60 000
 * @property {(line: string) => void} log
 * @property {(code: number | null, signal: NodeJS.Signals | null) => void} [onExit]  it stopped by itself
 *
 * @typedef {import('./node-listen.js').RunningServer & { pid: number }} ChildServer
 */

const STOP_GRACE_MS = 5_000

/**
 * @param {string} command
 * @param {string[]} args
 * @param {ChildServerOptions} options
 * @returns {Promise<ChildServer>}
 */
export function startChildServer(command, args, options) {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stopping = false
  /** @type {string[]} */
  const tail = []
  /** @type {(line: string) => void} */
  let onLine = () => {}
  for (const stream of [child.stdout, child.stderr]) {
    let pending = ''
    stream.on('data', (/** @type {Buffer} */ chunk) => {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.trim()) continue
        tail.push(line)
        if (tail.length > 40) tail.shift()
        // The paywall's own lines keep their prefix; the rest say where they come from.
        options.log(/^\[(api|redis)\] /.test(line) ? line : `[${options.name}] ${line}`)
        onLine(line)
      }
    })
  }

  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async () => {
    stopping = true
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }

  return new Promise((resolve, reject) => {
    let ready = false
    const timeoutMs = options.timeoutMs ?? 60_000
    const timer = setTimeout(() => fail(`did not say it was ready within ${timeoutMs} ms`), timeoutMs)
    const fail = (/** @type {string} */ why) => {
      clearTimeout(timer)
      stop().finally(() => reject(new Error(`${options.name} ${why}. Its last lines:\n${tail.join('\n')}`)))
    }
    child.once('error', (error) => fail(`could not start (${error.message})`))
    child.once('exit', (code, signal) => {
      if (!ready) fail(`exited (${code ?? signal}) before it was ready`)
      else if (!stopping) options.onExit?.(code, signal)
    })
    onLine = (line) => {
      const match = options.ready.exec(line)
      const url = options.url ?? match?.[1]
      if (ready || !match || !url) return
      ready = true
      clearTimeout(timer)
      resolve({ url, pid: child.pid ?? -1, close: stop })
    }
  })
}
