// Where tokens live on Solana: the associated token account of (owner, mint) under a token program.
import { address, getAddressEncoder, getProgramDerivedAddress } from '@solana/kit'
import { ASSOCIATED_TOKEN_PROGRAM, TOKEN_PROGRAM } from './constants.js'

const encoder = getAddressEncoder()

/** The associated token account of `owner` for `mint` (the account a TransferChecked must pay into). */
export async function associatedTokenAccount(owner: string, mint: string, tokenProgram: string = TOKEN_PROGRAM): Promise<string> {
  const [pda] = await getProgramDerivedAddress({
    programAddress: address(ASSOCIATED_TOKEN_PROGRAM),
    seeds: [encoder.encode(address(owner)), encoder.encode(address(tokenProgram)), encoder.encode(address(mint))],
  })
  return pda
}
