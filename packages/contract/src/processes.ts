// Servers in another process (next start, bun): a free port, a child that prints its URL, and a clean stop.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export interface ChildServer {
  url: string
  stop(): Promise<void>
}

export interface StartChildOptions {
  cwd?: string
  env?: Record<string, string>
  /** Matches the line that says the server is up; group 1 is its URL unless `url` is given. Default: `listening on (http://...)`. */
  ready?: RegExp
  /** The server's URL when the ready line does not carry it. */
  url?: string
  timeoutMs?: number
}

/** A port that was free a moment ago, for servers that cannot listen on port 0 (next start). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export async function startChild(command: string, args: string[], options: StartChildOptions = {}): Promise<ChildServer> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const ready = options.ready ?? /listening on (http:\/\/\S+)/
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${command} did not start within ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}\n--- output ---\n${output}`))
    }
    const onData = (data: Buffer) => {
      output += data.toString()
      const match = ready.exec(output)
      const url = options.url ?? match?.[1]
      if (match && url) {
        clearTimeout(timer)
        resolve(url)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`${command} exited with code ${code}`)))
  })
  // Keep draining so a chatty child never blocks on a full pipe.
  child.stdout?.resume()
  child.stderr?.resume()
  return { url, stop: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

/** Runs a command to its end (a build); rejects with its output when it fails. */
export async function runToEnd(command: string, args: string[], options: Pick<StartChildOptions, 'cwd' | 'env'> = {}): Promise<void> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (data: Buffer) => (output += data.toString()))
  child.stderr.on('data', (data: Buffer) => (output += data.toString()))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with code ${code}\n--- output ---\n${output}`)
}
