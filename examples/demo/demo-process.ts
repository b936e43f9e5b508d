// Test support: runs the demo as a child process (`node index.js ...`), as a person or a CI job would.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const INDEX = fileURLToPath(new URL('./index.js', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface DemoProcess {
  child: ChildProcess
  pid: number
  stdout(): string
  stderr(): string
  /** Resolves when the process has exited, with its code (null when a signal ended it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The first complete stdout line. */
  firstLine: Promise<string>
  /** Sends `signal` if it is still running (by PID) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `node index.js ...args`. */
export function startDemo(args: string[] = [], env: NodeJS.ProcessEnv = {}): DemoProcess {
  return startCommand(process.execPath, [INDEX, ...args], env)
}

/** `npm run --silent demo -- ...args`, from the repository root, as a person types it. */
export function startNpmDemo(args: string[] = []): DemoProcess {
  return startCommand('npm', ['run', '--silent', 'demo', '--', ...args], {}, ROOT)
}

function startCommand(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): DemoProcess {
  // No Nevermined key from the developer's shell: the tests are about the keyless demo.
  const { NVM_API_KEY: _key, ...base } = process.env
  const child = spawn(command, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) })
  let out = ''
  let err = ''
  let resolveLine: (line: string) => void = () => {}
  let rejectLine: (error: Error) => void = () => {}
  const firstLine = new Promise<string>((resolve, reject) => {
    resolveLine = resolve
    rejectLine = reject
  })
  firstLine.catch(() => {}) // only a test that waits for the line cares that it never came
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
    const end = out.indexOf('\n')
    if (end >= 0) resolveLine(out.slice(0, end))
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8')
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      rejectLine(new Error(`the demo exited (${code ?? signal}) before printing a line.\nstdout:\n${out}\nstderr:\n${err}`))
      resolve({ code, signal })
    })
  })
  const pid = child.pid ?? -1
  return {
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    firstLine,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** The PID of the anvil the demo started, from its "anvil pid N" line. */
export function anvilPid(output: string): number {
  const match = /anvil pid (\d+)/.exec(output)
  if (!match?.[1]) throw new Error(`no "anvil pid" line in:\n${output}`)
  return Number(match[1])
}

/** True while a process with this PID exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export { rpcAnswers } from '@tollgate/x402/anvil'

/** What `--serve` announces on its first stdout line. */
export interface ServeAnnouncement {
  url: string
  routes: { method: string; path: string; scheme: string; network: string; amount: string }[]
  chain: { rpcUrl: string; chainId: number; asset: `0x${string}` }
  buyer: { address: `0x${string}`; privateKey: `0x${string}` }
}

/** Starts `--serve` on a free port and waits for its announcement. */
export async function startServe(extraArgs: string[] = [], start = startDemo): Promise<{ demo: DemoProcess; info: ServeAnnouncement }> {
  const demo = start(['--serve', '--port', '0', ...extraArgs])
  try {
    const info = JSON.parse(await demo.firstLine) as ServeAnnouncement
    // stdout and stderr are separate pipes: wait for the stderr line written just after the announcement.
    await until(() => demo.stderr().includes('Serving until'), 10_000)
    return { demo, info }
  } catch (error) {
    await demo.stop('SIGTERM')
    throw error
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the demo')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
