// A LiteSVM chain with a token on it, for tests and the demo: the mint written at a chosen address (devnet USDC by
// default, so that `exact({ network: 'solana-devnet' })` pays it unchanged), token accounts funded at will, SOL by
// airdrop, and balances to read before and after a payment.
import { address, createKeyPairSignerFromPrivateKeyBytes, getAddressEncoder, lamports, type Address, type KeyPairSigner } from '@solana/kit'
import { LiteSVM } from 'litesvm'
import { associatedTokenAccount } from './accounts.js'
import type { SvmChain } from './chain.js'
import { SOLANA_DEVNET, TOKEN_PROGRAM, USDC_DECIMALS, USDC_MINTS } from './constants.js'
import { liteSvmChain } from './litesvm-chain.js'

export interface LiteSvmWorldOptions {
  /** The CAIP-2 id the chain answers as; default Solana devnet. */
  network?: string
  /** The token's mint address; default the network's USDC mint. */
  mint?: string
  /** The token's decimals; default 6. */
  decimals?: number
}

export interface LiteSvmWorld {
  svm: LiteSVM
  chain: SvmChain
  network: string
  mint: string
  decimals: number
  /** Gives `owner` lamports (SOL for fees and rent). */
  airdrop(owner: string, amount: bigint): void
  /** Sets `owner`'s token balance (creating its associated token account). */
  fund(owner: string, amount: bigint): Promise<void>
  /** `owner`'s token balance in atomic units; 0 when it has no token account. */
  tokenBalance(owner: string): Promise<bigint>
  /** `owner`'s lamports. */
  solBalance(owner: string): bigint
  /** A new key pair with `sol` lamports and `tokens` of the mint (a token account even at 0); its 64-byte secret key too. */
  newAccount(funds?: { sol?: bigint; tokens?: bigint }): Promise<{ address: string; signer: KeyPairSigner; secretKey: Uint8Array }>
}

const TOKEN_ACCOUNT_SIZE = 165
const MINT_SIZE = 82
const addresses = getAddressEncoder()

export function createLiteSvmWorld(options: LiteSvmWorldOptions = {}): LiteSvmWorld {
  const network = options.network ?? SOLANA_DEVNET
  const mint = options.mint ?? USDC_MINTS[network] ?? USDC_MINTS[SOLANA_DEVNET]!
  const decimals = options.decimals ?? USDC_DECIMALS
  const svm = new LiteSVM()
  writeAccount(svm, mint, mintData(decimals))

  const tokenBalance = async (owner: string): Promise<bigint> => {
    const account = svm.getAccount(address(await associatedTokenAccount(owner, mint)))
    if (!account.exists) return 0n
    return new DataView(account.data.buffer, account.data.byteOffset).getBigUint64(64, true)
  }
  return {
    svm,
    chain: liteSvmChain(svm, network),
    network,
    mint,
    decimals,
    airdrop(owner, amount) {
      svm.airdrop(address(owner), lamports(amount))
    },
    async fund(owner, amount) {
      writeAccount(svm, await associatedTokenAccount(owner, mint), tokenAccountData(mint, owner, amount))
    },
    tokenBalance,
    solBalance: (owner) => svm.getBalance(address(owner)) ?? 0n,
    async newAccount(funds = {}) {
      const seed = crypto.getRandomValues(new Uint8Array(32))
      const signer = await createKeyPairSignerFromPrivateKeyBytes(seed)
      if (funds.sol) svm.airdrop(signer.address, lamports(funds.sol))
      if (funds.tokens !== undefined) writeAccount(svm, await associatedTokenAccount(signer.address, mint), tokenAccountData(mint, signer.address, funds.tokens))
      return { address: signer.address, signer, secretKey: Uint8Array.from([...seed, ...addresses.encode(signer.address)]) }
    },
  }
}

function writeAccount(svm: LiteSVM, at: string, data: Uint8Array): void {
  svm.setAccount({
    address: at as Address,
    data,
    executable: false,
    lamports: lamports(svm.minimumBalanceForRentExemption(BigInt(data.length))),
    programAddress: address(TOKEN_PROGRAM),
    space: BigInt(data.length),
  } as Parameters<LiteSVM['setAccount']>[0])
}

/** SPL Token Mint: mint authority (none), supply, decimals, initialized, freeze authority (none). */
function mintData(decimals: number): Uint8Array {
  const data = new Uint8Array(MINT_SIZE)
  new DataView(data.buffer).setBigUint64(36, 1n << 60n, true)
  data[44] = decimals
  data[45] = 1
  return data
}

/** SPL Token Account: mint, owner, amount, no delegate, initialized, not native, no close authority. */
function tokenAccountData(mint: string, owner: string, amount: bigint): Uint8Array {
  const data = new Uint8Array(TOKEN_ACCOUNT_SIZE)
  data.set(addresses.encode(address(mint)), 0)
  data.set(addresses.encode(address(owner)), 32)
  new DataView(data.buffer).setBigUint64(64, amount, true)
  data[108] = 1
  return data
}
