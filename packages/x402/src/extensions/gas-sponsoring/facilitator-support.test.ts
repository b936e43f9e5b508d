// Gas sponsoring a buyer can discover, without a chain: localFacilitator lists what it submits (EIP-2612 permits
// always, signed approvals only with approvalSponsoring) beside its kinds at /supported, in the reference's shape;
// httpFacilitator reads the list back; createPaywall refuses a route declaring one its facilitator says it does not
// handle (invalid_options), and never when the facilitator does not know (a /supported not read yet).
import { x402Facilitator } from '@x402/core/facilitator'
import { ERC20_APPROVAL_GAS_SPONSORING as REF_ERC20, EIP2612_GAS_SPONSORING as REF_EIP2612 } from '@x402/extensions'
import { createPublicClient, http } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { baseSepolia } from 'viem/chains'
import { afterAll, describe, expect, it } from 'vitest'
import { createPaywall, exact, upto } from '../../index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import { combineFacilitators } from '../../facilitator/combine.js'
import { httpFacilitator } from '../../facilitator/http.js'
import { standardApi } from '../../facilitator/standard-api-test-support.js'
import type { Facilitator } from '../../facilitator/types.js'
import { createTestFacilitator } from '../../testing/index.js'
import { listen, type TestServer } from '../../test-support/server.js'
import { eip2612GasSponsoring, erc20ApprovalGasSponsoring } from './index.js'

const NETWORK = 'eip155:84532'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const TOKEN = '0x1111111111111111111111111111111111111111'
const settler = generatePrivateKey()
// A chain known without asking it: nothing here reaches the (absent) node.
const client = createPublicClient({ chain: baseSepolia, transport: http('http://127.0.0.1:9') })
const plain = localFacilitator({ client, settler })
const funding = localFacilitator({ client, settler, approvalSponsoring: true })

const permit2Route = (extension: ReturnType<typeof eip2612GasSponsoring>) => ({
  'GET /file': { accepts: exact({ amount: '1000', network: NETWORK, payTo: PAY_TO, asset: TOKEN, assetTransferMethod: 'permit2' }), extensions: [extension] },
})

const servers: TestServer[] = []
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
})
async function served(facilitator: Facilitator): Promise<string> {
  const server = await listen(standardApi(facilitator))
  servers.push(server)
  return server.url
}
const answering = (body: unknown) => httpFacilitator({ url: 'https://facilitator.example', fetch: async () => Response.json(body) })

describe('localFacilitator lists the gas sponsoring it does', () => {
  it('EIP-2612 permits on exact and upto always; signed approvals only with approvalSponsoring; none on batch-settlement', () => {
    expect(plain.supportedExtensions?.({ scheme: 'exact', network: NETWORK })).toEqual(['eip2612GasSponsoring'])
    expect(plain.supportedExtensions?.({ scheme: 'upto', network: NETWORK })).toEqual(['eip2612GasSponsoring'])
    expect(funding.supportedExtensions?.({ scheme: 'upto', network: NETWORK })).toEqual(['eip2612GasSponsoring', 'erc20ApprovalGasSponsoring'])
    expect(funding.supportedExtensions?.({ scheme: 'batch-settlement', network: NETWORK })).toEqual([])
  })

  it("served as the standard API, its /supported lists them beside the kinds, as the reference facilitator's does", async () => {
    const answer = await (await fetch(`${await served(funding)}/supported`)).json()
    const reference = new x402Facilitator().registerExtension(REF_EIP2612).registerExtension(REF_ERC20).getSupported()
    expect(answer.extensions).toEqual(reference.extensions)
    expect(answer.kinds).toContainEqual({ x402Version: 2, scheme: 'exact', network: NETWORK })
    expect((await (await fetch(`${await served(plain)}/supported`)).json()).extensions).toEqual(['eip2612GasSponsoring'])
  })
})

describe('httpFacilitator reads the list back', () => {
  it('from its last /supported (one list for the answer, as the reference has it); undefined before it was read', async () => {
    const facilitator = httpFacilitator({ url: await served(funding) })
    expect(facilitator.supportedExtensions({ scheme: 'exact', network: NETWORK })).toBeUndefined()
    await facilitator.supported()
    expect(facilitator.supportedExtensions({ scheme: 'exact', network: NETWORK })).toEqual(['eip2612GasSponsoring', 'erc20ApprovalGasSponsoring'])
  })

  it('an answer without `extensions` says nothing', async () => {
    const silent = answering({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }] })
    await silent.supported()
    expect(silent.supportedExtensions({ scheme: 'exact', network: NETWORK })).toBeUndefined()
    expect(() => createPaywall({ facilitator: silent, routes: permit2Route(erc20ApprovalGasSponsoring()) })).not.toThrow()
  })
})

describe('createPaywall refuses a route declaring sponsoring its facilitator says it does not do', () => {
  it('erc20ApprovalGasSponsoring with a localFacilitator that does not fund approvals: invalid_options naming the route and the fix', () => {
    let thrown: unknown
    try {
      createPaywall({ facilitator: plain, routes: permit2Route(erc20ApprovalGasSponsoring()) })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'invalid_options', details: { path: 'routes["GET /file"].extensions' } })
    expect(String((thrown as Error).message)).toMatch(/routes\["GET \/file"\] declares erc20ApprovalGasSponsoring.*approvalSponsoring.*eip2612GasSponsoring/)
  })

  it('takes what it does: EIP-2612 always, approvals with approvalSponsoring, and a route with no Permit2 offer declares nothing to check', () => {
    expect(() => createPaywall({ facilitator: plain, routes: permit2Route(eip2612GasSponsoring()) })).not.toThrow()
    expect(() => createPaywall({ facilitator: funding, routes: permit2Route(erc20ApprovalGasSponsoring()) })).not.toThrow()
    const uptoRoute = { 'POST /gen': { accepts: upto({ maxAmount: '5000', network: NETWORK, payTo: PAY_TO, asset: TOKEN }), extensions: [erc20ApprovalGasSponsoring()] } }
    expect(() => createPaywall({ facilitator: plain, routes: uptoRoute })).toThrow(/erc20ApprovalGasSponsoring/)
    const eip3009 = { 'GET /x': { accepts: exact({ amount: '1000', network: NETWORK, payTo: PAY_TO }), extensions: [erc20ApprovalGasSponsoring()] } }
    expect(() => createPaywall({ facilitator: plain, routes: eip3009 })).not.toThrow()
  })

  it('through httpFacilitator: only once /supported was read, never before (start-up is not blocked on it)', async () => {
    const remote = httpFacilitator({ url: await served(plain) })
    const routes = permit2Route(erc20ApprovalGasSponsoring())
    expect(() => createPaywall({ facilitator: remote, routes })).not.toThrow()
    await remote.supported()
    expect(() => createPaywall({ facilitator: remote, routes })).toThrow(expect.objectContaining({ code: 'invalid_options' }))
    expect(() => createPaywall({ facilitator: remote, routes: permit2Route(eip2612GasSponsoring()) })).not.toThrow()
    // A hosted facilitator that lists no extension does not submit permits either.
    const bare = answering({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} })
    await bare.supported()
    expect(() => createPaywall({ facilitator: bare, routes: permit2Route(eip2612GasSponsoring()) })).toThrow(/does not handle it for exact on eip155:84532.*handles no extension/)
  })

  it('combineFacilitators asks the entry that handles the offer; a facilitator that does not say is not checked', () => {
    const combined = combineFacilitators([{ scheme: 'exact', network: 'eip155:*', facilitator: plain }])
    expect(combined.supportedExtensions?.({ scheme: 'exact', network: NETWORK })).toEqual(['eip2612GasSponsoring'])
    expect(() => createPaywall({ facilitator: combined, routes: permit2Route(erc20ApprovalGasSponsoring()) })).toThrow(/erc20ApprovalGasSponsoring/)
    expect(() => createPaywall({ facilitator: createTestFacilitator(), routes: permit2Route(erc20ApprovalGasSponsoring()) })).not.toThrow()
  })
})
