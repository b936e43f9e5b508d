// A body read chunk by chunk, made one array again: for the readers that cap what they read as it comes.

/** The chunks one after another in one array; `size` is their total length, which the reader already counted. */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
