// Where the CLI writes and what it reads: the process by default, buffers in tests.
export interface CliIO {
  /** The command's output (tables, decoded values, response bodies, --json documents). */
  stdout(text: string): void
  /** Progress and diagnostics (what was paid, errors), kept off stdout so it can be piped. */
  stderr(text: string): void
  /** Where keys come from: TOLLGATE_PRIVATE_KEY, NVM_API_KEY. */
  env: Record<string, string | undefined>
  /** The fetch to use. */
  fetch: typeof fetch
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    fetch: globalThis.fetch,
  }
}
