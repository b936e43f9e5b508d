// Every ```ts run block in docs/ is executed here, so the docs cannot drift from the code. Blocks import the
// published entry points (@tollgate/x402, /testing) as a user would, and check themselves with node:assert.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, it } from 'vitest'

const docsDir = fileURLToPath(new URL('../../../docs/', import.meta.url))
const workDir = fileURLToPath(new URL('../.docs-examples/', import.meta.url))
const BLOCK = /```ts run\n([\s\S]*?)```/g

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? markdownFiles(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
  )
}

const examples = markdownFiles(docsDir).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(BLOCK)].map((match, index) => ({ file: relative(docsDir, file), index, code: match[1]! })),
)

mkdirSync(workDir, { recursive: true })
afterAll(() => rmSync(workDir, { recursive: true, force: true }))

describe('docs examples', () => {
  it('finds runnable examples', ({ expect }) => {
    expect(examples.length).toBeGreaterThan(3)
  })

  it.each(examples)('$file #$index runs', async ({ file, index, code }) => {
    const path = join(workDir, `${file.replace(/[/.]/g, '_')}_${index}.ts`)
    writeFileSync(path, code)
    await import(pathToFileURL(path).href)
  })
})
