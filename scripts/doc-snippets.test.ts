// The TypeScript examples of README.md, docs/ and the packages' READMEs compile against the built packages
// (scripts/doc-snippets.js): a renamed export or property, or a wrong type, fails here before a user pastes it.
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain JavaScript module
import { checkSnippets } from './doc-snippets.js'

describe('the examples of the docs', () => {
  it('compile under module nodenext and moduleResolution bundler', async () => {
    const { count, problems } = (await checkSnippets()) as { count: number; problems: string[] }
    expect(count).toBeGreaterThan(40)
    expect(problems).toEqual([])
  }, 300_000)
})
