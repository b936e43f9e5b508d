// A paid MCP tool priced on Solana, end to end: the MCP SDK server over Streamable HTTP, localSvmFacilitator on
// LiteSVM co-signing, the SDK client paying with svmPayer through withPayments. Balances read before and after.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { generateKeyPairSigner } from '@solana/kit'
import { createLiteSvmWorld, liteSvmRpc } from '@tollgate/x402/litesvm'
import { exact, localSvmFacilitator, svmPayer } from '@tollgate/x402/svm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getToolPayment, paidTool, withPayments } from './index.js'
import { connectClient, serveMcp, type McpHttp } from './test-support.js'

const world = createLiteSvmWorld()
let mcp: McpHttp
let client: Client
let buyer: Awaited<ReturnType<typeof generateKeyPairSigner>>
let seller: string

beforeAll(async () => {
  const [feePayer, buyerSigner, sellerSigner] = await Promise.all([generateKeyPairSigner(), generateKeyPairSigner(), generateKeyPairSigner()])
  buyer = buyerSigner
  seller = sellerSigner.address
  world.airdrop(feePayer.address, 1_000_000_000n)
  await world.fund(buyer.address, 1_000_000n)
  await world.fund(seller, 0n)
  const facilitator = localSvmFacilitator({ chain: world.chain, feePayer })
  mcp = await serveMcp((server) => {
    paidTool(server, 'weather', { accepts: exact({ price: '$0.01', network: 'solana-devnet', payTo: seller }), facilitator }, {}, async () => ({
      content: [{ type: 'text', text: 'sunny' }],
    }))
  })
  client = await connectClient(mcp.url)
}, 60_000)

afterAll(async () => {
  await client?.close()
  await mcp?.close()
})

describe('an MCP tool paid in USDC on Solana', () => {
  it('withPayments + svmPayer: the tool runs, the receipt names the transaction, 0.01 USDC moved', async () => {
    const before = [await world.tokenBalance(buyer.address), await world.tokenBalance(seller)]
    const paying = withPayments(client, { payers: [svmPayer(buyer, { rpc: liteSvmRpc(world.svm) })] })
    const result = await paying.callTool({ name: 'weather', arguments: {} })
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'sunny' }] })
    expect(getToolPayment(result)?.receipt).toMatchObject({ success: true, network: world.network, payer: buyer.address })
    expect([await world.tokenBalance(buyer.address), await world.tokenBalance(seller)]).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })
})
