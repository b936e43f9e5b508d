import { libraryConfig } from '../../tsup.shared.js'

// The framework and the core are the user's: never bundled.
export default libraryConfig({ platform: 'neutral', external: ['hono'] })
