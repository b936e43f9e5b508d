// The LiteSVM JSON-RPC over HTTP on 127.0.0.1, for clients outside the process (the reference x402 client, a
// wallet script, `tollgate pay`): the demo's `chain.rpcUrl`. Node only.
import { createServer, type Server } from 'node:http'
import type { LiteSVM } from 'litesvm'
import { answerRpc, liteSvmRpcMethods, rpcJson } from './litesvm-rpc.js'

export interface LiteSvmRpcServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  close(): Promise<void>
}

/** Serves `svm` as a Solana JSON-RPC endpoint on 127.0.0.1 (`port` 0: any free port). */
export async function serveLiteSvmRpc(svm: LiteSVM, port = 0): Promise<LiteSvmRpcServer> {
  const methods = liteSvmRpcMethods(svm)
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > 1_000_000) req.destroy()
      else chunks.push(chunk)
    })
    req.on('end', () => {
      let answer: unknown
      try {
        answer = answerRpc(methods, JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        answer = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(rpcJson(answer))
    })
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve))
  const address = server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
