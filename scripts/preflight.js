#!/usr/bin/env node
// Runs first in `npm test`: checks what the suites need from the machine beyond `npm install`, and stops at
// once, with one line per missing thing (what, why, how to install), instead of letting suites fail one by one.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { redisRequired, redisVersion } from './redis-suites.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MIN_NODE_MAJOR = 20

/**
 * @typedef {{ name: string, ok: true, found: string } | { name: string, ok: false, problem: string, optional?: boolean }} Check
 * @param {{ env?: NodeJS.ProcessEnv, root?: string }} [options]
 * @returns {Promise<Check[]>}
 */
export async function checkPrerequisites({ env = process.env, root = ROOT } = {}) {
  return [checkNode(), checkRedis(env), checkAnvil(env, root), checkBun(root), checkTempDir(), await checkLoopback()]
}

function checkNode() {
  const major = Number(process.versions.node.split('.')[0])
  return major >= MIN_NODE_MAJOR
    ? { name: 'node', ok: true, found: process.version }
    : { name: 'node', ok: false, problem: `Node.js ${process.version} is too old: the packages need Node ${MIN_NODE_MAJOR} or newer (https://nodejs.org).` }
}

/** @param {NodeJS.ProcessEnv} env */
export function checkRedis(env) {
  const binary = env.REDIS_SERVER || 'redis-server'
  const version = redisVersion(env)
  if (version) return { name: 'redis-server', ok: true, found: `${binary} (${version.match(/v=(\S+)/)?.[1] ?? version})` }
  const where = env.REDIS_SERVER ? `REDIS_SERVER=${env.REDIS_SERVER} does not run` : 'redis-server is not on PATH'
  return {
    name: 'redis-server',
    ok: false,
    // Not required outside CI: the Redis suites are then left out (vitest.config.ts) and the run goes on.
    optional: !redisRequired(env),
    problem:
      `${where}: the @tollgate/redis tests start a real Redis of their own on 127.0.0.1 (and stop it, for the outage tests). ` +
      `Install it with "sudo apt-get install -y redis-server" (Debian/Ubuntu) or "brew install redis" (macOS), ` +
      `or point REDIS_SERVER at a redis-server binary.`,
  }
}

/** The binary @tollgate/x402/anvil starts: $ANVIL_BIN, else the one @foundry-rs/anvil installed for this platform. */
function checkAnvil(env, root) {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const packageName = `@foundry-rs/anvil-${process.platform}-${arch}`
  let binary = env.ANVIL_BIN
  if (!binary) {
    try {
      const require = createRequire(join(root, 'packages/x402/package.json'))
      binary = join(dirname(require.resolve(`${packageName}/package.json`)), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
    } catch {
      binary = 'anvil'
    }
  }
  const version = versionOf(binary, ['--version'], env)
  if (version) return { name: 'anvil', ok: true, found: version.match(/Version: (\S+)/)?.[1] ?? version }
  return {
    name: 'anvil',
    ok: false,
    problem: `anvil (the local chain of the exact EVM tests and the demo) does not run from ${binary}: "npm install" brings it in ${packageName}; run it again, or set ANVIL_BIN to an anvil binary.`,
  }
}

function checkBun(root) {
  const binary = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'bun.exe' : 'bun')
  const version = existsSync(binary) ? versionOf(binary, ['--version'], process.env) : undefined
  if (version) return { name: 'bun', ok: true, found: version }
  return {
    name: 'bun',
    ok: false,
    problem: `the Bun runtime (the Bun.serve adapter's tests) does not run from ${binary}: "npm install" brings it with the npm package bun (its install script must be allowed to run); run it again.`,
  }
}

function checkTempDir() {
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-preflight-'))
    writeFileSync(join(dir, 'probe'), 'ok')
    rmSync(dir, { recursive: true, force: true })
    return { name: 'temp folder', ok: true, found: tmpdir() }
  } catch (error) {
    return { name: 'temp folder', ok: false, problem: `the temporary folder ${tmpdir()} is not writable (${error.message}): the tests write reports and build apps there. Set TMPDIR to a writable folder.` }
  }
}

function checkLoopback() {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error) =>
      resolve({ name: 'loopback', ok: false, problem: `cannot listen on 127.0.0.1 (${error.message}): every server in the tests listens there, on a free port.` }),
    )
    server.listen(0, '127.0.0.1', () => server.close(() => resolve({ name: 'loopback', ok: true, found: '127.0.0.1' })))
  })
}

/** First line of `binary args`, or undefined when it does not run. */
function versionOf(binary, args, env) {
  const result = spawnSync(binary, args, { env, encoding: 'utf8', timeout: 10_000 })
  if (result.error || result.status !== 0) return undefined
  return (result.stdout || result.stderr).trim().split('\n')[0] || undefined
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const checks = await checkPrerequisites()
  const missing = checks.filter((check) => !check.ok && !check.optional)
  const skipped = checks.filter((check) => !check.ok && check.optional)
  if (missing.length === 0) {
    const found = checks.filter((check) => check.ok)
    console.log(`preflight: ${found.map((check) => `${check.name} ${check.found}`).join(', ')}`)
    // One line, and the run goes on without the suites that need it (CI requires them: .ci/run installs it).
    for (const check of skipped) console.error(`npm test runs without the Redis suites (@tollgate/redis, the demo's Redis test): ${check.problem}`)
  } else {
    // One line per missing thing, and nothing else: the reason is the whole message.
    for (const check of missing) console.error(`npm test stopped before building: ${check.problem}`)
    process.exit(1)
  }
}
