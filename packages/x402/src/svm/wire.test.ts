import { describe, expect, it } from 'vitest'
import { decodeSvmTransaction, encodeSvmTransaction } from './wire.js'
import { paymentInstructions, signedTransaction, startSvmCast } from './test-support.js'

describe('decodeSvmTransaction', () => {
  it('reads a v0 payment: signers, accounts, instructions by address, and writes it back byte for byte', async () => {
    const cast = await startSvmCast()
    const encoded = await signedTransaction(cast, await paymentInstructions(cast))
    const tx = decodeSvmTransaction(encoded)!
    expect(tx.version).toBe(0)
    expect(tx.signers).toBe(2)
    expect(tx.accounts.slice(0, 2)).toEqual([cast.feePayer.address, cast.buyer.address])
    expect(tx.signatures[0]).toEqual(new Uint8Array(64))
    expect(tx.instructions.map((ix) => ix.program)).toEqual([
      'ComputeBudget111111111111111111111111111111',
      'ComputeBudget111111111111111111111111111111',
      'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
      'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr',
    ])
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0))
    expect(encodeSvmTransaction(tx.signatures, tx.messageBytes)).toEqual(bytes)
  })

  it('refuses what it cannot read whole: not base64, truncated, trailing bytes, lookup tables, no signer', async () => {
    const cast = await startSvmCast()
    const encoded = await signedTransaction(cast, await paymentInstructions(cast))
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0))
    const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b))
    expect(decodeSvmTransaction(undefined)).toBeUndefined()
    expect(decodeSvmTransaction('%%%')).toBeUndefined()
    expect(decodeSvmTransaction(b64(bytes.subarray(0, bytes.length - 1)))).toBeUndefined()
    expect(decodeSvmTransaction(b64(Uint8Array.from([...bytes, 0])))).toBeUndefined()
    // The lookup-table count is the last byte of a v0 message.
    const withTable = Uint8Array.from(bytes)
    withTable[withTable.length - 1] = 1
    expect(decodeSvmTransaction(b64(withTable))).toBeUndefined()
    expect(decodeSvmTransaction(b64(Uint8Array.from([0, ...bytes.subarray(129)])))).toBeUndefined()
  })
})
