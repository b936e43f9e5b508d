// @tollgate/cli as a library: run the `tollgate` command in-process (tests, scripts).
export { run, HELP } from './run.js'
export { EXIT } from './exit-codes.js'
export type { ExitCode } from './exit-codes.js'
export type { CliIO } from './io.js'
