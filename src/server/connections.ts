/**
 * The server's client connections: how many may be open at once, and how one whose request was
 * refused before its body was read is closed without the refusal turning into a reset.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

import type { ServerMetrics } from './metrics'

/**
 * Counts open connections and caps them at `max`: Node closes each one past the cap as it is
 * accepted ('drop'), so a flood of idle or slow sockets cannot use up the process's file
 * descriptors. Silent sockets need nothing here: Node counts headersTimeout from the connection's
 * start, so one that never sends a byte is answered 408 and closed then.
 */
export function trackConnections(http: Server, max: number, metrics: ServerMetrics): void {
  http.maxConnections = max
  http.on('drop', () => metrics.connectionsDropped++)
  http.on('connection', (socket) => {
    metrics.connections++
    socket.once('close', () => metrics.connections--)
  })
}

/** How long, and how much of, a refused request's body is read and dropped after the answer. */
const LINGER_MS = 2000
const LINGER_BYTES = 8 * 1024 * 1024

/**
 * Sets up the answer to a request whose body was not read (too large, no key, not JSON) to close
 * the connection, as nothing says where that body ends. Call it before the answer is sent.
 *
 * Node closes a `Connection: close` socket with destroySoon() once the answer is written; with
 * bytes of the body still arriving, that close is a TCP reset. A client that reads only after it
 * has sent everything (most synchronous clients do) then loses the answer the reset overtakes and
 * reports EPIPE or ECONNRESET instead of the 413. Here the write side ends after the answer (the
 * client gets the answer, then end of stream) while what the client still sends is read and
 * dropped until it closes, for at most LINGER_MS and the larger of LINGER_BYTES and `maxBodyBytes`.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  res.setHeader('Connection', 'close')
  const socket = req.socket
  const limit = Math.max(LINGER_BYTES, maxBodyBytes)
  socket.destroySoon = () => {
    socket.end()
    const cut = setTimeout(() => socket.destroy(), LINGER_MS)
    socket.once('close', () => clearTimeout(cut))
    let dropped = 0
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length
      if (dropped > limit) socket.destroy()
    })
    req.resume()
  }
}
