import { libraryConfig } from '../../tsup.shared.js'

// The framework, the Node adapter and the core are the user's: never bundled.
export default libraryConfig({ platform: 'node', external: ['express', '@tollgate/node'] })
