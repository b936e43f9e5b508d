// The check `npm test` runs first: with no redis-server on PATH it says so in one line (what, why, how to install it)
// and the run goes on without the Redis suites, except where they are required (CI), where it stops the run;
// REDIS_SERVER points it at a binary elsewhere.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain JavaScript module, run by node before anything is built
import { checkPrerequisites, checkRedis } from './preflight.js'

const script = fileURLToPath(new URL('./preflight.js', import.meta.url))
// A PATH with node on it and nothing else, as on a machine where redis-server was never installed.
const bareBin = mkdtempSync(join(tmpdir(), 'tollgate-bare-path-'))
symlinkSync(process.execPath, join(bareBin, 'node'))
afterAll(() => rmSync(bareBin, { recursive: true, force: true }))

describe('npm test preflight', () => {
  it('names a missing redis-server with the commands that install it on Debian/Ubuntu and macOS', () => {
    const check = checkRedis({ PATH: bareBin })
    expect(check.ok).toBe(false)
    expect(check.problem).toContain('redis-server is not on PATH')
    expect(check.problem).toContain('apt-get install -y redis-server')
    expect(check.problem).toContain('brew install redis')
    expect(check.problem).toContain('REDIS_SERVER')
  })

  it('stops `npm test` with exactly one line on stderr when redis-server is the only thing missing and CI requires it', () => {
    const run = spawnSync(join(bareBin, 'node'), [script], { env: { PATH: bareBin, HOME: tmpdir(), CI: 'true' }, encoding: 'utf8' })
    expect(run.status).toBe(1)
    const lines = run.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^npm test stopped before building: redis-server is not on PATH: .*apt-get install -y redis-server.*brew install redis/)
    expect(run.stdout).toBe('')
  })

  it('goes on without the Redis suites outside CI, saying so in one line with how to install redis-server', () => {
    for (const env of [{}, { TOLLGATE_REQUIRE_REDIS: '0' }]) {
      const run = spawnSync(join(bareBin, 'node'), [script], { env: { PATH: bareBin, HOME: tmpdir(), ...env }, encoding: 'utf8' })
      expect(run.status).toBe(0)
      const lines = run.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^npm test runs without the Redis suites \(@tollgate\/redis, the demo's Redis test\): redis-server is not on PATH: .*apt-get install -y redis-server/)
      expect(run.stdout).toMatch(/^preflight: node /)
      expect(run.stdout).not.toContain('redis-server')
    }
    const required = spawnSync(join(bareBin, 'node'), [script], { env: { PATH: bareBin, HOME: tmpdir(), TOLLGATE_REQUIRE_REDIS: '1' }, encoding: 'utf8' })
    expect(required.status).toBe(1)
  })

  it('leaves the Redis suites out of the run only where redis-server is missing and not required', async () => {
    // @ts-expect-error: a plain JavaScript module
    const { redisSuitesRun } = await import('./redis-suites.js')
    expect(redisSuitesRun({ PATH: bareBin })).toBe(false)
    expect(redisSuitesRun({ PATH: bareBin, CI: 'true' })).toBe(true)
    expect(redisSuitesRun({ PATH: bareBin, TOLLGATE_REQUIRE_REDIS: '1' })).toBe(true)
    expect(redisSuitesRun(process.env)).toBe(true) // this machine has redis-server (or CI requires it)
  })

  it('takes the binary REDIS_SERVER names, and says so when it does not run', () => {
    const fake = join(bareBin, 'my-redis')
    writeFileSync(fake, '#!/bin/sh\necho "Redis server v=7.2.4 sha=00000000:0 malloc=libc bits=64 build=1"\n')
    chmodSync(fake, 0o755)
    expect(checkRedis({ PATH: bareBin, REDIS_SERVER: fake })).toEqual({ name: 'redis-server', ok: true, found: `${fake} (7.2.4)` })
    const broken = checkRedis({ PATH: bareBin, REDIS_SERVER: join(bareBin, 'nowhere') })
    expect(broken.ok).toBe(false)
    expect(broken.problem).toContain(`REDIS_SERVER=${join(bareBin, 'nowhere')} does not run`)
  })

  it('finds what npm install brought: anvil and bun run, the temp folder is writable, 127.0.0.1 listens', async () => {
    const checks = await checkPrerequisites({ env: { ...process.env, PATH: bareBin } })
    const byName = Object.fromEntries(checks.map((check: { name: string }) => [check.name, check]))
    for (const name of ['node', 'anvil', 'bun', 'temp folder', 'loopback']) expect(byName[name], name).toMatchObject({ ok: true })
  })
})
