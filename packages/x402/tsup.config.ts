import { libraryConfig } from '../../tsup.shared.js'

export default libraryConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'evm/index': 'src/evm/index.ts',
    'nevermined/index': 'src/nevermined/index.ts',
    'client/index': 'src/client/index.ts',
    // The x402 extensions (payment-identifier, bazaar): apart, so that an app that uses none ships none.
    'extensions/index': 'src/extensions/index.ts',
    // Node only: starts a local chain (anvil) and deploys the test token, for demos and tests.
    'anvil/index': 'src/evm/anvil.ts',
    // Solana (@solana/kit): the exact SVM scheme, its facilitator and payer; LiteSVM (Node only) for tests and demos.
    'svm/index': 'src/svm/index.ts',
    'litesvm/index': 'src/svm/litesvm.ts',
  },
  platform: 'neutral',
  // Optional peers: viem only in ./evm and ./anvil, @solana/kit only in ./svm and ./litesvm, litesvm only in ./litesvm.
  external: ['viem', '@solana/kit', 'litesvm'],
})
