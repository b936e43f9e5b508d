// The native recovery path must give exactly what viem gives, and step aside where it cannot answer.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { hashTypedData, recoverTypedDataAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { readVector } from '../test-support/vectors.js'
import { nativeSecp256k1, recoverAddressNatively } from './native-recover.js'
import { transferWithAuthorizationTypedData, type ExactEvmPayload } from './scheme.js'

const v2 = readVector('x402-v2.json')
const payload = v2.paymentPayload.payload as ExactEvmPayload
const domain = { chainId: 84532, asset: v2.paymentPayload.accepted.asset, name: 'USDC', version: '2' }

describe('native secp256k1 recovery', () => {
  it('is available here (the secp256k1 package is a dev dependency, with a prebuilt binary for this platform)', () => {
    expect(nativeSecp256k1()).not.toBeNull()
  })

  it('recovers the reference vector payer, as viem does', async () => {
    const typedData = transferWithAuthorizationTypedData(domain, payload.authorization)
    expect(recoverAddressNatively(hashTypedData(typedData), payload.signature)).toBe(v2.expectedPayer)
    expect(await recoverTypedDataAddress({ ...typedData, signature: payload.signature })).toBe(v2.expectedPayer)
  })

  it('agrees with viem on signatures by fresh keys', async () => {
    for (let i = 0; i < 20; i++) {
      const account = privateKeyToAccount(generatePrivateKey())
      const typedData = transferWithAuthorizationTypedData(domain, { ...payload.authorization, from: account.address, nonce: `0x${i.toString(16).padStart(64, '0')}` })
      const signature = await account.signTypedData(typedData)
      expect(recoverAddressNatively(hashTypedData(typedData), signature)).toBe(account.address)
    }
  })

  it('steps aside for signatures that are not 65 bytes, and refuses an impossible recovery id', () => {
    const hash = hashTypedData(transferWithAuthorizationTypedData(domain, payload.authorization))
    expect(recoverAddressNatively(hash, payload.signature.slice(0, 130) as Hex)).toBeUndefined()
    expect(recoverAddressNatively(hash, `${payload.signature.slice(0, 130)}05` as Hex)).toBeNull()
    expect(recoverAddressNatively(hash, `0x${'00'.repeat(64)}1b`)).toBeNull()
  })
})
