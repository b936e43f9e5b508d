// Whether the suites that start a real Redis run: where redis-server runs, or where they are required (CI sets
// CI=true; TOLLGATE_REQUIRE_REDIS=1 asks for them anywhere), so that a missing server fails there instead of
// passing quietly. Read by the vitest configs and by the preflight check, with no dependency of its own.
import { spawnSync } from 'node:child_process'

/** @param {NodeJS.ProcessEnv} [env] */
export function redisRequired(env = process.env) {
  return env.TOLLGATE_REQUIRE_REDIS === '1' || env.CI === 'true'
}

/** The first line redis-server prints for --version, or undefined when it does not run. @param {NodeJS.ProcessEnv} [env] */
export function redisVersion(env = process.env) {
  const result = spawnSync(env.REDIS_SERVER || 'redis-server', ['--version'], { env, encoding: 'utf8', timeout: 10_000 })
  if (result.error || result.status !== 0) return undefined
  return (result.stdout || result.stderr).trim().split('\n')[0] || undefined
}

/** @param {NodeJS.ProcessEnv} [env] */
export function redisSuitesRun(env = process.env) {
  return redisRequired(env) || redisVersion(env) !== undefined
}
