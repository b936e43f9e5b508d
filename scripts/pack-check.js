#!/usr/bin/env node
// What a user installs, checked as a user gets it: packs every published package (npm pack), checks each tarball
// (LICENSE, README, no source maps; publint --strict; @arethetypeswrong/cli under node10, node16 CJS/ESM and
// bundler), installs the tarballs into a scratch app in a temp folder, and runs an ESM, a CJS and a TypeScript
// consumer there. Run after `turbo run build` (npm test builds first): `node scripts/pack-check.js`.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CONSUMERS, EXPECTED, TSCONFIGS } from './pack-consumers.js'

const run = promisify(execFile)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const bin = (name) => join(root, 'node_modules', '.bin', name)
/** Installed into the scratch app beside the tarballs: the peers the consumers load, at the versions this repo tests. */
const PEERS = ['hono', 'viem', '@solana/kit', 'litesvm', 'redis', '@modelcontextprotocol/sdk', 'zod', 'fastify', 'express', '@types/express', '@types/node']

export function publishedPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
}

async function main() {
  const started = Date.now()
  const work = await mkdtemp(join(tmpdir(), 'tollgate-pack-'))
  const problems = []
  try {
    const packages = publishedPackages()
    problems.push(...uncheckedEntries(packages))
    const packed = await pack(packages, work)
    for (const tarball of packed) problems.push(...checkContents(tarball))
    // Two at a time: publint and attw are quick, and the machine is shared.
    for (let i = 0; i < packed.length; i += 2) {
      const results = await Promise.all(packed.slice(i, i + 2).map(lint))
      problems.push(...results.flat())
    }
    problems.push(...(await consume(packed, work)))
  } finally {
    if (!process.env.KEEP_PACK_CHECK) await rm(work, { recursive: true, force: true })
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0)
  if (problems.length > 0) {
    console.error(`pack-check: ${problems.length} problem(s) in ${seconds} s:\n${problems.map((p) => `- ${p}`).join('\n')}`)
    process.exitCode = 1
  } else {
    console.log(`pack-check: every package packs, lints clean (publint, attw) and installs for ESM, CJS and TypeScript consumers (${seconds} s)`)
  }
}

async function pack(packages, work) {
  const args = ['pack', '--json', '--pack-destination', work, ...packages.flatMap(({ dir }) => ['--workspace', dir])]
  const { stdout } = await run('npm', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 })
  return JSON.parse(stdout).map((entry) => ({
    name: entry.name,
    path: join(work, entry.filename),
    files: entry.files.map((file) => file.path),
    manifest: packages.find(({ manifest }) => manifest.name === entry.name).manifest,
  }))
}

/** Every entry a user can import (each `exports` subpath), so that the consumers load them all. */
export function entriesOf(packages) {
  return packages.flatMap(({ manifest }) =>
    Object.keys(manifest.exports ?? { '.': null })
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`)),
  )
}

function uncheckedEntries(packages) {
  return entriesOf(packages)
    .filter((entry) => !(entry in EXPECTED))
    .map((entry) => `${entry}: no consumer loads it (add it to EXPECTED in scripts/pack-consumers.js)`)
}

function checkContents({ name, files, manifest }) {
  const problems = []
  for (const needed of ['LICENSE', 'README.md', 'package.json']) if (!files.includes(needed)) problems.push(`${name}: the tarball has no ${needed}`)
  const maps = files.filter((file) => file.endsWith('.map'))
  if (maps.length > 0) problems.push(`${name}: the tarball ships source maps without their sources (${maps[0]}, ...)`)
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'engines', 'license']) {
    if (manifest[field] === undefined) problems.push(`${name}: package.json has no "${field}"`)
  }
  return problems
}

async function lint({ name, path, manifest }) {
  const problems = []
  const publint = await attempt(bin('publint'), ['run', path, '--strict', '--level', 'warning'])
  if (!publint.ok || /warning|error/i.test(publint.output.replace(/All good!/, ''))) problems.push(`${name}: publint\n${indent(publint.output)}`)
  // A package with no types (none today) would have nothing for attw to check.
  if (manifest.types) {
    const attw = await attempt(bin('attw'), [path, '--format', 'table-flipped', '--no-emoji', '--no-color'])
    if (!attw.ok) problems.push(`${name}: @arethetypeswrong/cli\n${indent(attw.output)}`)
    // attw resolves every subpath of `exports`: each entry must have its row (under node10 too, via typesVersions).
    for (const entry of entriesOf([{ manifest }])) if (!attw.output.includes(`"${entry}"`)) problems.push(`${name}: attw did not check ${entry}`)
  }
  return problems
}

async function consume(packed, work) {
  const app = join(work, 'app')
  await run('mkdir', ['-p', app])
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'scratch-consumer', private: true, type: 'module' }))
  // The peers at the versions installed here, so that npm finds them in its cache.
  const peers = PEERS.map((name) => `${name}@${JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version}`)
  const install = await attempt('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--legacy-peer-deps', ...packed.map((t) => t.path), ...peers], app)
  if (!install.ok) return [`installing the tarballs into a scratch app failed\n${indent(install.output)}`]
  const problems = []
  for (const [file, source] of Object.entries(CONSUMERS)) await writeFile(join(app, file), source)
  for (const [file, config] of Object.entries(TSCONFIGS)) await writeFile(join(app, file), JSON.stringify(config, null, 2))
  // Each package README's TypeScript example, compiled as a user pastes it (Bun's global declared for @tollgate/bun).
  const readmes = []
  for (const { name, manifest } of packed) {
    const dir = join(root, 'packages', name.replace('@tollgate/', ''))
    const blocks = [...readFileSync(join(dir, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])
    blocks.forEach((block, i) => {
      const file = `readme-${manifest.name.replace(/\W+/g, '-')}-${i}.ts`
      readmes.push(file)
      const prelude = block.includes('Bun.serve') ? 'declare const Bun: { serve(options: object): unknown }\n' : ''
      writeFileSync(join(app, file), `${prelude}${block}\nexport {}\n`)
    })
  }
  await writeFile(join(app, 'tsconfig.readmes.json'), JSON.stringify({ ...TSCONFIGS['tsconfig.nodenext.json'], files: readmes }, null, 2))
  for (const [what, command, args] of [
    ['the ESM consumer', process.execPath, ['consumer.mjs']],
    ['the CJS consumer', process.execPath, ['consumer.cjs']],
    ['the TypeScript consumer (module nodenext)', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.nodenext.json']],
    ['the TypeScript consumer (moduleResolution bundler)', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.bundler.json']],
    ["the packages' README examples (module nodenext)", process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.readmes.json']],
  ]) {
    const result = await attempt(command, args, app)
    if (!result.ok) problems.push(`${what} failed\n${indent(result.output)}`)
  }
  return problems
}

async function attempt(command, args, cwd = root) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
    return { ok: true, output: `${stdout}${stderr}`.trim() }
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}`.trim() || String(error) }
  }
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
