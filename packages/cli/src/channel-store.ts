// The CLI's batch-settlement channels, kept in a JSON file between runs (so that `tollgate pay` reuses a channel
// and `tollgate channel list` finds it): $TOLLGATE_CHANNELS, else ~/.tollgate/channels.json. Written whole to a
// temporary file and renamed, so that a crash never leaves half a file.
import type { BuyerChannel, BuyerChannelStore } from '@tollgate/x402/evm'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

interface ChannelsFile {
  version: 1
  channels: Record<string, BuyerChannel>
}

/** Where the channels file is: $TOLLGATE_CHANNELS, else ~/.tollgate/channels.json. */
export function channelsPath(env: Record<string, string | undefined>): string {
  const configured = env.TOLLGATE_CHANNELS?.trim()
  return configured ? configured : join(homedir(), '.tollgate', 'channels.json')
}

/** A BuyerChannelStore in one JSON file (read on each call: another `tollgate` may have written it since). */
export function fileChannelStore(path: string): BuyerChannelStore {
  const read = (): ChannelsFile => {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, channels: {} }
      throw error
    }
    const parsed = JSON.parse(text) as Partial<ChannelsFile>
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.channels !== 'object' || parsed.channels === null) {
      throw new Error(`${path} is not a tollgate channels file ({ "version": 1, "channels": { ... } }).`)
    }
    return { version: 1, channels: parsed.channels }
  }
  const write = (file: ChannelsFile) => {
    mkdirSync(dirname(path), { recursive: true })
    const temporary = `${path}.${process.pid}.tmp`
    // The file names channels and amounts, no key; readable by its owner only all the same.
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
    renameSync(temporary, path)
  }
  return {
    get: async (channelId) => read().channels[channelId.toLowerCase()],
    set: async (channel) => {
      const file = read()
      file.channels[channel.channelId.toLowerCase()] = channel
      write(file)
    },
    delete: async (channelId) => {
      const file = read()
      if (!(channelId.toLowerCase() in file.channels)) return
      delete file.channels[channelId.toLowerCase()]
      write(file)
    },
    list: async () => Object.values(read().channels),
  }
}
