// TestUSDC itself, called directly on a real anvil: both signature forms, and every refusal.
import { bytesToHex, domainSeparator, hexToBytes, parseSignature, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { describe, expect, it } from 'vitest'
import { anvilClient, fundUsdc, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { randomNonce } from './signer.js'
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from './scheme.js'
import { TEST_USDC_ABI } from './test-usdc.artifact.js'
import { TEST_WALLET_ABI, TEST_WALLET_BYTECODE } from './test-wallet.artifact.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'

let anvil: AnvilInstance
let owner: AnvilClient
let relayer: AnvilClient
let buyer: PrivateKeyAccount
let payee: PrivateKeyAccount
let token: Address

// The token is deployed by account 0 (owner) and 1 000 000 minted to account 1 (buyer); account 2 is payTo.
useUsdcChain({
  ready: (chain) => {
    ;({ anvil, owner, buyer, token } = chain)
    relayer = anvilClient(anvil, anvil.accounts[4]!)
    payee = anvil.accounts[2]!
  },
})

async function chainNow(): Promise<bigint> {
  return (await owner.getBlock()).timestamp
}

type Authorization = {
  from: Address
  to: Address
  value: bigint
  validAfter: bigint
  validBefore: bigint
  nonce: Hex
}

async function authorize(signer: PrivateKeyAccount, patch: Partial<Authorization> = {}, primaryType: 'TransferWithAuthorization' | 'ReceiveWithAuthorization' = 'TransferWithAuthorization') {
  const now = await chainNow()
  const message: Authorization = { from: buyer.address, to: payee.address, value: 1000n, validAfter: now - 600n, validBefore: now + 600n, nonce: randomNonce(), ...patch }
  const types = { [primaryType]: TRANSFER_WITH_AUTHORIZATION_TYPES.TransferWithAuthorization }
  const signature = await signer.signTypedData({
    domain: { name: 'USDC', version: '2', chainId: anvil.chainId, verifyingContract: token },
    types,
    primaryType,
    message,
  })
  return { message, signature }
}

function argsOf(m: Authorization) {
  return [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce] as const
}

function vrs(signature: Hex) {
  const { r, s, yParity } = parseSignature(signature)
  return [yParity + 27, r, s] as const
}

async function send(hash: Promise<Hex>) {
  const receipt = await owner.waitForTransactionReceipt({ hash: await hash })
  expect(receipt.status).toBe('success')
  return receipt
}

describe('TestUSDC', () => {
  it('is a 6-decimal token with the EIP-712 domain USDC / 2', async () => {
    const read = (functionName: 'decimals' | 'name' | 'version' | 'DOMAIN_SEPARATOR') =>
      owner.readContract({ address: token, abi: TEST_USDC_ABI, functionName })
    expect(await read('decimals')).toBe(6)
    expect(await read('name')).toBe('USDC')
    expect(await read('version')).toBe('2')
    expect(await read('DOMAIN_SEPARATOR')).toBe(
      domainSeparator({ domain: { name: 'USDC', version: '2', chainId: anvil.chainId, verifyingContract: token } }),
    )
  })

  it('lets only the owner mint', async () => {
    await expect(
      relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'mint', args: [relayer.account.address, 1n] }),
    ).rejects.toThrow('caller is not the owner')
  })

  it('moves the value with the (v, r, s) form, marks the nonce used and emits AuthorizationUsed', async () => {
    const { message, signature } = await authorize(buyer)
    const before = [await usdcBalance(owner, token, buyer.address), await usdcBalance(owner, token, payee.address)]
    const receipt = await send(
      relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(message), ...vrs(signature)] }),
    )
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before[0]! - 1000n)
    expect(await usdcBalance(owner, token, payee.address)).toBe(before[1]! + 1000n)
    expect(await owner.readContract({ address: token, abi: TEST_USDC_ABI, functionName: 'authorizationState', args: [buyer.address, message.nonce] })).toBe(true)
    const events = await owner.getContractEvents({ address: token, abi: TEST_USDC_ABI, eventName: 'AuthorizationUsed', blockHash: receipt.blockHash })
    expect(events.map((e) => e.args)).toEqual([{ authorizer: buyer.address, nonce: message.nonce }])
  })

  it('moves the value with the bytes signature form', async () => {
    const { message, signature } = await authorize(buyer)
    const before = await usdcBalance(owner, token, payee.address)
    await send(relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(message), signature] }))
    expect(await usdcBalance(owner, token, payee.address)).toBe(before + 1000n)
  })

  it('accepts a recovery id of 0/1 in place of v = 27/28', async () => {
    const { message, signature } = await authorize(buyer)
    const bytes = hexToBytes(signature)
    bytes[64] = bytes[64]! - 27
    const compactV = bytesToHex(bytes)
    await send(relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(message), compactV] }))
  })

  it('refuses a used nonce, a window not yet open or closed, a bad signature and a short balance', async () => {
    const now = await chainNow()
    const used = await authorize(buyer)
    await send(relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(used.message), used.signature] }))
    const cases: Array<[string, { message: Authorization; signature: Hex }]> = [
      ['authorization is used', used],
      ['authorization is not yet valid', await authorize(buyer, { validAfter: now + 3600n })],
      ['authorization is expired', await authorize(buyer, { validBefore: now - 1n })],
      ['invalid signature', await authorize(anvil.accounts[3]!)],
      ['transfer amount exceeds balance', await authorize(buyer, { value: 10n ** 12n })],
    ]
    const before = await usdcBalance(owner, token, buyer.address)
    for (const [reason, { message, signature }] of cases) {
      for (const args of [[...argsOf(message), signature] as const, [...argsOf(message), ...vrs(signature)] as const]) {
        await expect(
          relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args }),
          `${reason} (${args.length} arguments)`,
        ).rejects.toThrow(reason)
      }
    }
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before)
  })

  it('refuses a signature with a wrong length or a high s (EIP-2 malleability)', async () => {
    const { message, signature } = await authorize(buyer)
    const call = (sig: Hex) =>
      relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(message), sig] })
    await expect(call(signature.slice(0, -2) as Hex)).rejects.toThrow('invalid signature')
    const { r, s, yParity } = parseSignature(signature)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const highS = `0x${(n - BigInt(s)).toString(16).padStart(64, '0')}` as Hex
    await expect(
      relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(message), (1 - yParity) + 27, r, highS] }),
    ).rejects.toThrow('invalid signature')
  })

  it('takes a smart-contract wallet\'s signature (ERC-1271) in both forms, and only the one its owner made', async () => {
    const walletOwner = anvil.accounts[3]!
    const hash = await owner.deployContract({ abi: TEST_WALLET_ABI, bytecode: TEST_WALLET_BYTECODE, args: [walletOwner.address] })
    const wallet = (await owner.waitForTransactionReceipt({ hash })).contractAddress!
    await fundUsdc(owner, token, wallet, 10_000n)
    // The owner signs for the wallet: `from` is the wallet, and ecrecover gives the owner, so the token asks the wallet.
    const viaBytes = await authorize(walletOwner, { from: wallet })
    await send(relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(viaBytes.message), viaBytes.signature] }))
    const viaVrs = await authorize(walletOwner, { from: wallet })
    await send(relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(viaVrs.message), ...vrs(viaVrs.signature)] }))
    expect(await usdcBalance(owner, token, wallet)).toBe(8_000n)

    const notTheOwner = await authorize(anvil.accounts[5]!, { from: wallet })
    for (const args of [[...argsOf(notTheOwner.message), notTheOwner.signature] as const, [...argsOf(notTheOwner.message), ...vrs(notTheOwner.signature)] as const]) {
      await expect(relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args })).rejects.toThrow('invalid signature')
    }
    // A signature of another length is a contract wallet's business only: a plain account cannot use one.
    const plain = await authorize(buyer)
    await expect(
      relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(plain.message), `${plain.signature}00`] }),
    ).rejects.toThrow('invalid signature')
  })

  it('lets only the payee submit receiveWithAuthorization', async () => {
    const { message, signature } = await authorize(buyer, {}, 'ReceiveWithAuthorization')
    await expect(
      relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'receiveWithAuthorization', args: [...argsOf(message), signature] }),
    ).rejects.toThrow('caller must be the payee')
    const payeeClient = anvilClient(anvil, payee)
    const before = await usdcBalance(owner, token, payee.address)
    await send(payeeClient.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'receiveWithAuthorization', args: [...argsOf(message), ...vrs(signature)] }))
    expect(await usdcBalance(owner, token, payee.address)).toBe(before + 1000n)
  })

  it('lets the holder cancel an unused authorization, which then cannot be used', async () => {
    const { message, signature } = await authorize(buyer)
    const cancel = await buyer.signTypedData({
      domain: { name: 'USDC', version: '2', chainId: anvil.chainId, verifyingContract: token },
      types: { CancelAuthorization: [{ name: 'authorizer', type: 'address' }, { name: 'nonce', type: 'bytes32' }] },
      primaryType: 'CancelAuthorization',
      message: { authorizer: buyer.address, nonce: message.nonce },
    })
    await send(relayer.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'cancelAuthorization', args: [buyer.address, message.nonce, ...vrs(cancel)] }))
    await expect(
      relayer.simulateContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization', args: [...argsOf(message), signature] }),
    ).rejects.toThrow('authorization is used')
  })
})
