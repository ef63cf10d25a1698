import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { binaryFrame, sharedBinaryFrame, underlyingSocket } from '../../src/transport/ws-frame.js';

// Every length form of RFC 6455 5.2: 7-bit (0–125), 16-bit (126–65535), 64-bit (65536+).
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];

describe('pre-framed binary WebSocket messages (ws-session fan-out)', () => {
  it('are read by ws as the binary messages they carry, at every length form', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const payloads = LENGTHS.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff));
    wss.on('connection', (ws) => {
      const socket = underlyingSocket(ws)!;
      // Interleaved with ws's own sends: the order on the wire is the order of the calls.
      ws.send('first');
      for (const p of payloads) socket.write(binaryFrame(p));
      ws.send('last');
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    const received: (string | Buffer)[] = [];
    client.on('message', (data: Buffer, isBinary: boolean) => received.push(isBinary ? data : data.toString()));
    await new Promise<void>((resolve, reject) => {
      client.on('message', () => received.length === payloads.length + 2 && resolve());
      client.on('error', reject);
      client.on('close', (code) => reject(new Error(`closed ${code}`)));
    });
    expect(received[0]).toBe('first');
    expect(received.at(-1)).toBe('last');
    received.slice(1, -1).forEach((data, i) => expect(Buffer.compare(data as Buffer, Buffer.from(payloads[i]!))).toBe(0));
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  it('frames an access unit once for all viewers, and again for the next one', () => {
    const a = new Uint8Array(300).fill(1);
    const b = new Uint8Array(300).fill(2);
    const framedA = sharedBinaryFrame(a);
    expect(sharedBinaryFrame(a)).toBe(framedA);
    const framedB = sharedBinaryFrame(b);
    expect(framedB).not.toBe(framedA);
    expect(framedB.subarray(4)).toEqual(Buffer.from(b));
    expect([...framedB.subarray(0, 4)]).toEqual([0x82, 126, 0x01, 0x2c]);
  });
});
