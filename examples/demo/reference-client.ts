// Test support: the reference x402 client (@x402/fetch with @x402/evm, from npm), set up to pay a `demo --serve`.
import { x402Client } from '@x402/fetch'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { privateKeyToAccount } from 'viem/accounts'
import type { ServeAnnouncement } from './demo-process.js'

/** The reference client, allowed to spend the demo's TestUSDC (it pays only well-known tokens by default). */
export function referenceClient(info: ServeAnnouncement, networks: string[] = [`eip155:${info.chain.chainId}`]) {
  const client = registerExactEvmScheme(new x402Client(), { signer: privateKeyToAccount(info.buyer.privateKey) })
  return client.setSpendControls({
    allowedAssets: networks.map((network) => ({ network: network as `${string}:${string}`, asset: info.chain.asset, maxAmountPerPayment: '10000' })),
  })
}
