import { libraryConfig } from '../../tsup.shared.js'

// The MCP SDK, zod and the core are the user's: never bundled.
export default libraryConfig({ platform: 'neutral', external: ['@modelcontextprotocol/sdk', 'zod'] })
