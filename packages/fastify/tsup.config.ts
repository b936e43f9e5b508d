import { libraryConfig } from '../../tsup.shared.js'

// The framework, the core and @tollgate/node (its Node conversions) are the user's: never bundled.
export default libraryConfig({ platform: 'node', external: ['fastify', 'fastify-plugin', /^@tollgate\/node(\/|$)/] })
