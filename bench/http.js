// P1 and P2: requests per second through Hono on Node, as ratios measured in one run.
import { measureAll, startServer } from './lib/load.js'
import { tokenFor } from './lib/fixtures.js'

/**
 * Measures bare Hono, Tollgate (paid with a cached verification, and unpaid 402) and the reference @x402/hono,
 * and two ceilings: the bytes of Tollgate's paid answer and of its 402, each sent by a plain handler.
 */
export async function runHttp({ runs = 3, seconds = 4, warmupSeconds = 2, connections = 32 } = {}) {
  const servers = {}
  try {
    for (const variant of ['bare', 'bare-fetch', 'bare-paid-bytes', 'bare-402', 'tollgate', 'reference']) servers[variant] = await startServer(variant)
    const paid = async (variant) => {
      const url = `${servers[variant].url}/paid`
      const required = (await fetch(url)).headers.get('payment-required')
      return { url, headers: { 'payment-signature': tokenFor(required, 1) } }
    }
    const cpu = (variant) => servers[variant].cpu
    const targets = [
      { name: 'bare', url: `${servers.bare.url}/paid`, cpu: cpu('bare') },
      { name: 'bare + fetch objects', url: `${servers['bare-fetch'].url}/paid`, headers: { 'payment-signature': 'x'.repeat(300) }, cpu: cpu('bare-fetch') },
      { name: 'bare paid bytes', url: `${servers['bare-paid-bytes'].url}/paid`, cpu: cpu('bare-paid-bytes') },
      { name: 'tollgate paid', ...(await paid('tollgate')), cpu: cpu('tollgate') },
      { name: 'bare 402 bytes', url: `${servers['bare-402'].url}/paid`, expect: 402, cpu: cpu('bare-402') },
      { name: 'tollgate 402', url: `${servers.tollgate.url}/paid`, expect: 402, cpu: cpu('tollgate') },
      { name: 'reference paid', ...(await paid('reference')), cpu: cpu('reference') },
      { name: 'reference 402', url: `${servers.reference.url}/paid`, expect: 402, cpu: cpu('reference') },
    ]
    return await measureAll(targets, { runs, seconds, warmupSeconds, connections })
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runHttp())
}
