// P1 and P2: requests per second and server CPU per request through Hono on Node and through @tollgate/bun on
// Bun.serve, as ratios measured in one run.
import { existsSync } from 'node:fs'
import { BUN, measureAll, startServer } from './lib/load.js'
import { tokenFor } from './lib/fixtures.js'

/**
 * Measures bare Hono, Tollgate (paid with a cached verification, and unpaid 402) and the reference @x402/hono,
 * and two ceilings: the bytes of Tollgate's paid answer and of its 402, each sent by a plain handler. With `bun`
 * (the default when node_modules/.bin/bun exists) the same rows on Bun.serve: bare, the two ceilings, @tollgate/bun.
 */
export async function runHttp({ runs = 3, seconds = 4, warmupSeconds = 2, connections = 32, bun = existsSync(BUN) } = {}) {
  const servers = {}
  try {
    const variants = ['bare', 'bare-fetch', 'bare-paid-bytes', 'bare-402', 'tollgate', 'reference']
    if (bun) variants.push('bun-bare', 'bun-bare-paid-bytes', 'bun-bare-402', 'bun-tollgate')
    for (const variant of variants) servers[variant] = await startServer(variant)
    const paid = async (variant) => {
      const url = `${servers[variant].url}/paid`
      const required = (await fetch(url)).headers.get('payment-required')
      return { url, headers: { 'payment-signature': tokenFor(required, 1) } }
    }
    const cpu = (variant) => servers[variant].cpu
    // The ceilings get the request bytes of a paid request too: a paid request carries its payment header, and
    // reading and parsing it is the protocol's cost, not the paywall's.
    const paidRequest = (await paid('tollgate')).headers
    const targets = [
      { name: 'bare', url: `${servers.bare.url}/paid`, cpu: cpu('bare') },
      { name: 'bare + fetch objects', url: `${servers['bare-fetch'].url}/paid`, headers: { 'payment-signature': 'x'.repeat(300) }, cpu: cpu('bare-fetch') },
      { name: 'bare paid bytes', url: `${servers['bare-paid-bytes'].url}/paid`, headers: paidRequest, cpu: cpu('bare-paid-bytes') },
      { name: 'tollgate paid', ...(await paid('tollgate')), cpu: cpu('tollgate') },
      { name: 'bare 402 bytes', url: `${servers['bare-402'].url}/paid`, expect: 402, cpu: cpu('bare-402') },
      { name: 'tollgate 402', url: `${servers.tollgate.url}/paid`, expect: 402, cpu: cpu('tollgate') },
      { name: 'reference paid', ...(await paid('reference')), cpu: cpu('reference') },
      { name: 'reference 402', url: `${servers.reference.url}/paid`, expect: 402, cpu: cpu('reference') },
    ]
    if (bun) {
      targets.push(
        { name: 'bun bare', url: `${servers['bun-bare'].url}/paid`, cpu: cpu('bun-bare') },
        { name: 'bun bare paid bytes', url: `${servers['bun-bare-paid-bytes'].url}/paid`, headers: paidRequest, cpu: cpu('bun-bare-paid-bytes') },
        { name: 'bun tollgate paid', ...(await paid('bun-tollgate')), cpu: cpu('bun-tollgate') },
        { name: 'bun bare 402 bytes', url: `${servers['bun-bare-402'].url}/paid`, expect: 402, cpu: cpu('bun-bare-402') },
        { name: 'bun tollgate 402', url: `${servers['bun-tollgate'].url}/paid`, expect: 402, cpu: cpu('bun-tollgate') },
      )
    }
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
