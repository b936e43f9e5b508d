import { libraryConfig } from '../../tsup.shared.js'

// Node's own modules and the core are the user's: never bundled. `fetch` is the subpath other Node adapters share.
export default libraryConfig({ platform: 'node', entry: { index: 'src/index.ts', 'fetch/index': 'src/fetch.ts' } })
