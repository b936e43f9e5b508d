// The `tollgate` executable (tsup adds the shebang).
import { run } from './run.js'

process.exitCode = await run(process.argv.slice(2))
