// One app module bundled into one ESM file, for a runtime that takes a single script (workerd) or runs it as is
// (Deno), with its settings baked in: Workers have no environment in global scope.
import { build } from 'esbuild'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type AppName = 'contract-app' | 'weather-app'

export interface Bundled {
  /** The bundle's path, in a folder of its own. */
  path: string
  code: string
}

export async function bundleApp(app: AppName, env: unknown): Promise<Bundled> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./apps/${app}.ts`, import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    // What Wrangler resolves for a Worker: no Node built-ins, the browser/worker builds of dependencies.
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser', 'import', 'default'],
    mainFields: ['browser', 'module', 'main'],
    target: 'es2022',
    define: { __TOLLGATE_ENV__: JSON.stringify(env) },
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.text
  const dir = await mkdtemp(join(tmpdir(), `tollgate-${app}-`))
  const path = join(dir, 'worker.js')
  await writeFile(path, code)
  return { path, code }
}
