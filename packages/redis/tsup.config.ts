import { libraryConfig } from '../../tsup.shared.js'

// The user's node-redis and the core are resolved at run time, never bundled.
export default libraryConfig({ platform: 'node', external: ['redis'] })
