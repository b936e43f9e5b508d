#!/usr/bin/env node
// Every TypeScript example of README.md, docs/ and the packages' READMEs compiles against the built packages, under `module: nodenext` and
// under `moduleResolution: bundler`. Examples leave the user's own values out (`payTo`, `facilitator`, `rpcUrl`):
// names that are not declared, and what follows from them, are allowed; any other error (a wrong import, property
// or type) fails. A block after `<!-- snippet: not compiled (why) -->` is skipped. Run after the build.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// Inside the repository, so that the examples resolve the workspace packages and their peers from node_modules.
const work = join(root, 'node_modules', '.cache', 'tollgate-doc-snippets')

/**
 * Errors that an example with the user's values left out has: a name not declared (TS2304, TS2552, TS18004,
 * Bun's global TS2868), parameters whose type would come from it (TS7006, TS7031), a statement shown outside its
 * function (TS1108), a third-party module this repository does not install (TS2307, not for @tollgate/*).
 */
const PLACEHOLDER_ERRORS = new Set(['TS2304', 'TS2552', 'TS18004', 'TS2868', 'TS7006', 'TS7031', 'TS1108'])

export function extractSnippets() {
  const packageReadmes = readdirSync(join(root, 'packages')).map((name) => join('packages', name, 'README.md')).filter((file) => existsSync(join(root, file)))
  const docs = ['README.md', ...markdownUnder('docs'), ...packageReadmes]
  const snippets = []
  for (const file of docs) {
    const text = readFileSync(join(root, file), 'utf8')
    for (const match of text.matchAll(/(<!-- snippet: not compiled[^\n]*-->\n)?```ts\n([\s\S]*?)```/g)) {
      if (match[1]) continue
      const line = text.slice(0, match.index).split('\n').length + (match[1] ? 1 : 0)
      snippets.push({ file, line, code: match[2] })
    }
  }
  return snippets
}

function markdownUnder(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? markdownUnder(path) : entry.name.endsWith('.md') ? [path] : []
  })
}

export async function checkSnippets() {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const snippets = extractSnippets()
  const names = snippets.map((snippet, i) => {
    const name = `${snippet.file.replace(/\W+/g, '-')}-${snippet.line}-${i}.ts`
    writeFileSync(join(work, name), `${snippet.code}\nexport {}\n`)
    return name
  })
  writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n')
  const base = { target: 'es2022', lib: ['es2023', 'dom'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }
  const configs = {
    'tsconfig.nodenext.json': { ...base, module: 'nodenext', moduleResolution: 'nodenext' },
    'tsconfig.bundler.json': { ...base, module: 'preserve', moduleResolution: 'bundler' },
  }
  const problems = []
  for (const [config, compilerOptions] of Object.entries(configs)) {
    writeFileSync(join(work, config), JSON.stringify({ compilerOptions, files: names }))
    const output = await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { cwd: work, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => stdout,
      (error) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    )
    for (const line of output.split('\n')) {
      const found = /^(.+?\.ts)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line)
      if (!found) continue
      const [, name, row, code, message] = found
      if (PLACEHOLDER_ERRORS.has(code)) continue
      if (code === 'TS2307' && !message.includes("'@tollgate/")) continue
      const snippet = snippets[names.indexOf(name)]
      problems.push(`${snippet.file}:${snippet.line + Number(row)} (${config.replace(/tsconfig\.|\.json/g, '')}) ${code}: ${message}`)
    }
  }
  return { count: snippets.length, problems: [...new Set(problems)].map((p) => relative(root, join(root, p))) }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { count, problems } = await checkSnippets()
  if (problems.length > 0) {
    console.error(`doc-snippets: ${problems.length} error(s) in the ${count} examples of README.md, docs/ and packages/*/README.md:\n${problems.map((p) => `- ${p}`).join('\n')}`)
    process.exitCode = 1
  } else {
    console.log(`doc-snippets: the ${count} TypeScript examples of README.md, docs/ and packages/*/README.md compile (nodenext, bundler)`)
  }
}
