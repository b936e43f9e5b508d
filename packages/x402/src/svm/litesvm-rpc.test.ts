// The LiteSVM JSON-RPC, method by method, as @solana/kit reads it (custom transport and HTTP): what the reference
// x402 SVM client and facilitator and a balance reader call.
import { createSolanaRpc, type Address, type Signature } from '@solana/kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { associatedTokenAccount } from './accounts.js'
import { TOKEN_PROGRAM } from './constants.js'
import { localSvmFacilitator } from './facilitator.js'
import { answerRpc, liteSvmRpc, liteSvmRpcMethods } from './litesvm-rpc.js'
import { serveLiteSvmRpc, type LiteSvmRpcServer } from './litesvm-rpc-server.js'
import { rpcChain } from './rpc-chain.js'
import { paymentInstructions, signedTransaction, startSvmCast, svmRequest, type SvmCast } from './test-support.js'

let cast: SvmCast
let server: LiteSvmRpcServer
beforeAll(async () => {
  cast = await startSvmCast()
  server = await serveLiteSvmRpc(cast.world.svm)
})
afterAll(() => server?.close())

describe('the LiteSVM JSON-RPC', () => {
  for (const transport of ['custom transport', 'HTTP'] as const) {
    describe(`through ${transport}`, () => {
      const rpc = () => (transport === 'HTTP' ? createSolanaRpc(server.url) : liteSvmRpc(cast.world.svm))

      it('getLatestBlockhash, getSlot, getBlockHeight, getHealth, getMinimumBalanceForRentExemption', async () => {
        const { value } = await rpc().getLatestBlockhash().send()
        expect(value.blockhash).toBe(cast.world.svm.latestBlockhash())
        expect(typeof value.lastValidBlockHeight).toBe('bigint')
        expect(await rpc().getSlot().send()).toBe(cast.world.svm.getClock().slot)
        expect(typeof (await rpc().getBlockHeight().send())).toBe('bigint')
        expect(await rpc().getHealth().send()).toBe('ok')
        expect(await rpc().getMinimumBalanceForRentExemption(165n).send()).toBe(cast.world.svm.minimumBalanceForRentExemption(165n))
      })

      it('getBalance, getAccountInfo (base64 and jsonParsed), getTokenAccountBalance', async () => {
        expect((await rpc().getBalance(cast.buyer.address).send()).value).toBe(cast.world.solBalance(cast.buyer.address))
        const mint = (await rpc().getAccountInfo(cast.world.mint as Address, { encoding: 'base64' }).send()).value!
        expect(mint.owner).toBe(TOKEN_PROGRAM)
        expect(Uint8Array.from(atob(mint.data[0]), (c) => c.charCodeAt(0))[44]).toBe(6)
        const ata = (await associatedTokenAccount(cast.buyer.address, cast.world.mint)) as Address
        const parsed = (await rpc().getAccountInfo(ata, { encoding: 'jsonParsed' }).send()).value!.data as unknown as { parsed: { info: { tokenAmount: { amount: string } } } }
        expect(parsed.parsed.info.tokenAmount.amount).toBe(String(await cast.world.tokenBalance(cast.buyer.address)))
        expect((await rpc().getTokenAccountBalance(ata).send()).value).toMatchObject({ amount: String(await cast.world.tokenBalance(cast.buyer.address)), decimals: 6 })
        expect((await rpc().getAccountInfo('11111111111111111111111111111112' as Address, { encoding: 'base64' }).send()).value).toBeNull()
      })

      it('simulateTransaction, sendTransaction, getSignatureStatuses', async () => {
        const tx = await signedTransaction(cast, await paymentInstructions(cast), { signers: [cast.buyer] })
        const simulated = await rpc().simulateTransaction(tx as never, { encoding: 'base64', sigVerify: false }).send()
        expect(simulated.value.err).toBeNull()
        expect(simulated.value.logs?.some((line) => line.includes('Tokenkeg'))).toBe(true)
        // Unsigned by the fee payer: the chain refuses to send it.
        await expect(rpc().sendTransaction(tx as never, { encoding: 'base64' }).send()).rejects.toThrow()
        const statuses = await rpc().getSignatureStatuses(['1111111111111111111111111111111111111111111111111111111111111111' as Signature]).send()
        expect(statuses.value).toEqual([null])
      })
    })
  }

  it('sends a signed payment and reports it finalized (rpcChain over the HTTP endpoint settles a payment)', async () => {
    const chain = rpcChain({ rpcUrl: server.url, network: cast.world.network, pollMs: 10 })
    const facilitator = localSvmFacilitator({ chain, feePayer: cast.feePayer })
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const seller = await cast.world.tokenBalance(cast.seller.address)
    const receipt = await facilitator.settle({ ...svmRequest(cast.requirements, tx), verification: { isValid: true } }, new AbortController().signal)
    expect(receipt).toMatchObject({ success: true })
    const statuses = await createSolanaRpc(server.url).getSignatureStatuses([receipt.transaction as Signature]).send()
    expect(statuses.value[0]).toMatchObject({ err: null, confirmationStatus: 'finalized' })
    expect(await cast.world.tokenBalance(cast.seller.address)).toBe(seller + 10_000n)
  })

  it('answers unknown methods and bad bodies as JSON-RPC errors', () => {
    const methods = liteSvmRpcMethods(cast.world.svm)
    expect(answerRpc(methods, { jsonrpc: '2.0', id: 1, method: 'getNothing', params: [] })).toMatchObject({ id: 1, error: { code: -32601 } })
    expect(answerRpc(methods, { jsonrpc: '2.0', id: 2, method: 'simulateTransaction', params: ['AA==', { encoding: 'base58' }] })).toMatchObject({ id: 2, error: { code: -32602 } })
    expect(answerRpc(methods, [{ jsonrpc: '2.0', id: 3, method: 'getHealth' }])).toEqual([{ jsonrpc: '2.0', id: 3, result: 'ok' }])
  })
})
