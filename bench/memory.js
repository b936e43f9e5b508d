// P6: runs memory-child.js with --expose-gc so that garbage does not count as growth.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url))

/** The paywall's run and the control's (the same requests to the bare handler), one after the other. */
export async function runMemory({ tokens = 1_000_000 } = {}) {
  const paywall = await runChild(tokens, 'paywall')
  const bare = await runChild(tokens, 'bare')
  return { ...paywall, bare }
}

function runChild(tokens, mode) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', CHILD, String(tokens), mode], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`P6 failed: ${stderr || error.message}`))
      resolve(JSON.parse(stdout.trim().split('\n').pop()))
    })
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runMemory({ tokens: Number(process.argv[2] ?? 1_000_000) }))
}
