// tollgate channel list / tollgate channel refund <url>: the batch-settlement channels `tollgate pay` opened (kept in
// the channels file), with what the chain holds in them, and a cooperative refund of what was not charged.
import { formatUnits } from '@tollgate/x402'
import { batchPayer, readChannel, type BuyerChannel, type ChannelSnapshot } from '@tollgate/x402/evm'
import Table from 'cli-table3'
import { createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { channelsPath, fileChannelStore } from '../channel-store.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import type { CliIO } from '../io.js'
import { checkUrl, UsageError } from '../request.js'

export interface ChannelFlags {
  /** The chain to read (list) or recover from (refund); default TOLLGATE_RPC_URL. */
  rpcUrl?: string
  /** refund: atomic units to get back; default all that was not charged. */
  amount?: string
  json?: boolean
}

export async function channelCommand(sub: string | undefined, positionals: string[], flags: ChannelFlags, io: CliIO): Promise<ExitCode> {
  if (sub === 'list') {
    if (positionals.length > 0) throw new UsageError('Usage: tollgate channel list [--rpc-url URL] [--json]')
    return listCommand(flags, io)
  }
  if (sub === 'refund') {
    if (positionals.length !== 1) throw new UsageError('Usage: tollgate channel refund <url> [--amount N] [--rpc-url URL]')
    return refundCommand(positionals[0], flags, io)
  }
  throw new UsageError(`Unknown channel command ${JSON.stringify(sub ?? '')}: use tollgate channel list or tollgate channel refund <url>.`)
}

async function listCommand(flags: ChannelFlags, io: CliIO): Promise<ExitCode> {
  const path = channelsPath(io.env)
  const channels = await fileChannelStore(path).list()
  const onChain = await readOnChain(channels, rpcUrlOf(flags, io))
  if (flags.json) {
    io.stdout(JSON.stringify({ file: path, channels: channels.map((channel, index) => ({ ...channel, onChain: jsonOf(onChain[index]) })) }))
    return EXIT.ok
  }
  if (channels.length === 0) {
    io.stderr(`No batch-settlement channels in ${path}.`)
    return EXIT.ok
  }
  const table = new Table({
    head: ['channel', 'network', 'resource', 'token', 'charged', 'on-chain balance', 'claimed', 'refundable'],
    style: { head: [], border: [] },
  })
  channels.forEach((channel, index) => {
    const snapshot = onChain[index]
    const refundable = snapshot ? snapshot.balance - BigInt(channel.charged) : undefined
    table.push([channel.channelId, channel.network, channel.resource, channel.config.token, channel.charged, snapshot?.balance.toString() ?? '?', snapshot?.totalClaimed.toString() ?? '?', refundable === undefined ? '?' : String(refundable > 0n ? refundable : 0n)])
  })
  io.stdout(table.toString())
  if (onChain.some((snapshot) => snapshot === undefined)) io.stderr('?: not read from the chain (give --rpc-url or TOLLGATE_RPC_URL for that channel\'s network).')
  return EXIT.ok
}

async function refundCommand(target: string | undefined, flags: ChannelFlags, io: CliIO): Promise<ExitCode> {
  const url = checkUrl(target)
  const key = io.env.TOLLGATE_PRIVATE_KEY?.trim()
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError('tollgate channel refund signs as the channel\'s payer: set TOLLGATE_PRIVATE_KEY (0x and 64 hex digits).')
  const rpcUrl = rpcUrlOf(flags, io)
  if (!rpcUrl) throw new UsageError('tollgate channel refund reads the channel on chain: give --rpc-url <url> or set TOLLGATE_RPC_URL.')
  if (flags.amount !== undefined && !/^[1-9][0-9]*$/.test(flags.amount)) throw new UsageError(`--amount takes atomic units, got ${JSON.stringify(flags.amount)}.`)
  const payer = batchPayer({ account: privateKeyToAccount(key as `0x${string}`), rpcUrl, store: fileChannelStore(channelsPath(io.env)), fetch: io.fetch })
  const result = await payer.refund(url, flags.amount === undefined ? {} : { amount: flags.amount })
  if (flags.json) {
    io.stdout(JSON.stringify({ url, channelId: result.channelId, refunded: result.refunded.toString(), transaction: result.transaction, balance: result.balance.toString() }))
  } else {
    io.stderr(`Refunded ${result.refunded} atomic units (${formatUnits(result.refunded, 6)} at 6 decimals) from channel ${result.channelId} in ${result.transaction || 'no transaction'}.`)
    io.stderr(`The channel holds ${result.balance}${result.balance === 0n ? '' : ' (what was charged stays for the seller)'}.`)
  }
  return EXIT.ok
}

function rpcUrlOf(flags: ChannelFlags, io: CliIO): string | undefined {
  return flags.rpcUrl ?? (io.env.TOLLGATE_RPC_URL?.trim() || undefined)
}

/** Each channel's on-chain state, for the channels on the RPC's chain (undefined for the others, or without one). */
async function readOnChain(channels: BuyerChannel[], rpcUrl: string | undefined): Promise<Array<ChannelSnapshot | undefined>> {
  if (rpcUrl === undefined || channels.length === 0) return channels.map(() => undefined)
  const client = createPublicClient({ transport: http(rpcUrl) })
  const network = `eip155:${await client.getChainId()}`
  return Promise.all(channels.map((channel) => (channel.network === network ? readChannel(client, channel.channelId) : undefined)))
}

function jsonOf(snapshot: ChannelSnapshot | undefined) {
  if (snapshot === undefined) return null
  return { balance: snapshot.balance.toString(), totalClaimed: snapshot.totalClaimed.toString(), withdrawRequestedAt: snapshot.withdrawRequestedAt, withdrawAmount: snapshot.withdrawAmount.toString(), refundNonce: snapshot.refundNonce.toString() }
}
