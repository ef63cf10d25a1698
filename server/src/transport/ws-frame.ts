import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * One final, unmasked binary WebSocket frame (RFC 6455 5.2: FIN + opcode 0x2, then the payload
 * length in 7, 7+16 or 7+64 bits; a server never masks, 5.1), header and payload in one buffer.
 */
export function binaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerBytes + length);
  out[0] = 0x82;
  if (length < 126) {
    out[1] = length;
  } else if (length < 0x10000) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  out.set(payload, headerBytes);
  return out;
}

let lastPayload: Uint8Array | null = null;
let lastFrame: Buffer = Buffer.alloc(0);

/**
 * binaryFrame(payload), made once for all the viewers of an access unit: Stream's fan-out hands
 * the same bytes to every subscriber in a row, so a single cached entry hits for all but the
 * first (a join burst of cached frames misses once per frame, which costs one copy each).
 */
export function sharedBinaryFrame(payload: Uint8Array): Buffer {
  if (payload !== lastPayload) {
    lastFrame = binaryFrame(payload);
    lastPayload = payload;
  }
  return lastFrame;
}

/**
 * The TCP (or TLS) socket under a ws WebSocket: ws keeps it as `_socket`, which its typings
 * leave out. Undefined before the connection is set up.
 */
export function underlyingSocket(ws: WebSocket): Duplex | undefined {
  return (ws as unknown as { _socket?: Duplex })._socket;
}
