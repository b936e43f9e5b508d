// Every ```ts redis-run block in docs/ runs here against a real redis-server (REDIS_URL), importing the published
// entry points as a user would, so that the docs cannot drift from the code.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const docsDir = fileURLToPath(new URL('../../../docs/', import.meta.url))
const workDir = fileURLToPath(new URL('../.docs-examples/', import.meta.url))
const BLOCK = /```ts redis-run\n([\s\S]*?)```/g

const examples = readdirSync(docsDir)
  .filter((name) => name.endsWith('.md'))
  .flatMap((file) => [...readFileSync(join(docsDir, file), 'utf8').matchAll(BLOCK)].map((match, index) => ({ file, index, code: match[1]! })))

let redis: RedisServer
let previousUrl: string | undefined

setupOnce(async () => {
  redis = await startRedisServer()
  previousUrl = process.env.REDIS_URL
  process.env.REDIS_URL = redis.url
  mkdirSync(workDir, { recursive: true })
})

afterAll(async () => {
  if (previousUrl === undefined) delete process.env.REDIS_URL
  else process.env.REDIS_URL = previousUrl
  rmSync(workDir, { recursive: true, force: true })
  await redis?.stop()
})

describe('docs examples on Redis', () => {
  it('finds the examples of docs/several-instances.md', () => {
    expect(examples.filter((example) => example.file === 'several-instances.md').length).toBeGreaterThan(0)
  })

  it.each(examples)('$file #$index runs', async ({ file, index, code }) => {
    const path = join(workDir, `${file.replace(/[/.]/g, '_')}_${index}.ts`)
    writeFileSync(path, code)
    await import(pathToFileURL(path).href)
  })
})
