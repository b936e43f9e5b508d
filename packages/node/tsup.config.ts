import { libraryConfig } from '../../tsup.shared.js'

// Node's own modules and the core are the user's: never bundled.
export default libraryConfig({ platform: 'node' })
