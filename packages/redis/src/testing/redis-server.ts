// Tests run against a real redis-server: started here on 127.0.0.1 and a free port, with no persistence, and
// stopped by its PID. The binary is $REDIS_SERVER, else redis-server on PATH; `npm test` checks that it runs before
// anything else (scripts/preflight.js), so a missing one stops the run with one line instead of failing here.
import { spawn, type ChildProcess } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { createClient } from 'redis'

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Stops the server (SIGTERM by PID, SIGKILL if it lingers). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>
}

const MISSING =
  'redis-server is not on PATH: the @tollgate/redis tests start a real Redis on 127.0.0.1. Install it with "sudo apt-get install -y redis-server" (Debian/Ubuntu) or "brew install redis" (macOS), or point REDIS_SERVER at a redis-server binary.'

const binary = () => process.env.REDIS_SERVER || 'redis-server'

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  let child = await launch(port)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await kill(child)
    },
    async restart() {
      await kill(child)
      child = await launch(port)
    },
  }
}

/** A node-redis client on the server, connected; close it with `destroy()` or `close()`. */
export async function connect(server: RedisServer) {
  const client = createClient({ url: server.url })
  client.on('error', () => {}) // reconnect noise when a test stops the server on purpose
  await client.connect()
  return client
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(binary(), ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code === 'ENOENT' ? MISSING : `redis-server failed to start: ${error.message}`)))
    child.once('exit', (code) => reject(new Error(`redis-server exited (code ${code}) before answering PING:\n${output}`)))
  })
  failed.catch(() => {})
  const deadline = Date.now() + 10_000
  for (;;) {
    const answered = await Promise.race([ping(port), failed])
    if (answered) return child
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within 10 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3_000)
  await exited
  clearTimeout(timer)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
