// `next build` of next-app/, once: the build is kept in next-app/.next with a hash of its inputs, and reused while
// they are unchanged (the per-run settings are read at request time, so they are not inputs). A lock directory
// keeps two demos started at once from building into the same place.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const DEMO = fileURLToPath(new URL('..', import.meta.url))
export const NEXT_APP = join(DEMO, 'next-app')
const STAMP = join(NEXT_APP, '.next', 'tollgate-demo-inputs.txt')
const LOCK = join(NEXT_APP, '.next-build-lock')
const LOCK_WAIT_MS = 10 * 60_000

/** `node node_modules/next/dist/bin/next ...` */
export function nextCommand(/** @type {string[]} */ args) {
  return { command: process.execPath, args: [require.resolve('next/dist/bin/next'), ...args] }
}

/**
 * What the build depends on: the app, the demo's modules it imports, the built packages it bundles, Next's version.
 *
 * @returns {string} a sha-256, hex
 */
export function buildInputsHash() {
  const hash = createHash('sha256')
  const files = [
    ...walk(NEXT_APP, (path) => !/[\\/](\.next|\.next-build-lock|node_modules)$/.test(path) && !path.endsWith('next-env.d.ts')),
    ...readdirSync(DEMO)
      .filter((name) => name.endsWith('.js'))
      .map((name) => join(DEMO, name)),
    ...['@tollgate/x402', '@tollgate/next', '@tollgate/redis'].flatMap((name) => walk(join(packageDir(name), 'dist'), () => true)),
  ]
  for (const file of files.sort()) hash.update(`${relative(DEMO, file)}\0`).update(readFileSync(file)).update('\0')
  hash.update(`next@${/** @type {{ version: string }} */ (require('next/package.json')).version}`)
  return hash.digest('hex')
}

/** True when next-app/.next holds a build of the current inputs. */
export function nextBuildIsCurrent(inputs = buildInputsHash()) {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8') === inputs
}

/**
 * Builds next-app unless a build of the same inputs is there.
 *
 * @param {(line: string) => void} log
 */
export async function ensureNextBuild(log) {
  const inputs = buildInputsHash()
  if (nextBuildIsCurrent(inputs)) return
  await withLock(log, async () => {
    if (nextBuildIsCurrent(inputs)) return // another demo built it while we waited
    log('building the Next.js app (next build, once until its sources change) ...')
    const started = Date.now()
    rmSync(STAMP, { force: true })
    const { command, args } = nextCommand(['build'])
    await run(command, args, NEXT_APP)
    writeFileSync(STAMP, inputs)
    log(`built the Next.js app in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })
}

/**
 * @param {(line: string) => void} log
 * @param {() => Promise<void>} work
 */
async function withLock(log, work) {
  const deadline = Date.now() + LOCK_WAIT_MS
  let told = false
  for (;;) {
    try {
      mkdirSync(LOCK)
      writeFileSync(join(LOCK, 'pid'), String(process.pid))
      break
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error
      if (!holderIsAlive()) {
        rmSync(LOCK, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`Another demo has been building the Next.js app for too long (remove ${LOCK} if it is stale).`)
      if (!told) log('another demo is building the Next.js app: waiting for it ...')
      told = true
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  try {
    await work()
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}

function holderIsAlive() {
  let pid
  try {
    pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'))
  } catch {
    // Just created, the pid not written yet: alive, unless the directory is old.
    try {
      return Date.now() - statSync(LOCK).mtimeMs < 5_000
    } catch {
      return false
    }
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM'
  }
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 */
function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (/** @type {Buffer} */ chunk) => (output += chunk.toString('utf8')))
    child.stderr.on('data', (/** @type {Buffer} */ chunk) => (output += chunk.toString('utf8')))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`next build failed (exit ${code}):\n${output}`))))
  })
}

/**
 * Every file under `dir` whose path passes `keep` (directories too are filtered).
 *
 * @param {string} dir
 * @param {(path: string) => boolean} keep
 * @returns {string[]}
 */
function walk(dir, keep) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (!keep(path)) return []
    return entry.isDirectory() ? walk(path, keep) : [path]
  })
}

/** @param {string} name */
function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`))
}
