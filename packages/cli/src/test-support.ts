// For the CLI's tests: the built executable, run as a child process with only the keys a test gives it.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
export const cliPath = join(packageDir, 'dist', 'cli.js')

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs `tollgate ...args` with only the keys given in `env` (none from this process). */
export function tollgate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { TOLLGATE_PRIVATE_KEY: _k, NVM_API_KEY: _n, TOLLGATE_SOLANA_KEYPAIR: _s, ...base } = process.env
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...base, ...env, NO_COLOR: '1' }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** Builds dist/cli.js when it is missing or older than a source file (npm test builds it first anyway). */
export function ensureBuilt(): Promise<void> {
  const sources = readdirSync(join(packageDir, 'src'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
  const newest = Math.max(...sources.map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs))
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= newest) return Promise.resolve()
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(packageDir, '..', '..', 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: packageDir }, (error, _out, stderr) =>
      error ? reject(new Error(`building the CLI failed: ${stderr}`)) : resolve(),
    )
  })
}
