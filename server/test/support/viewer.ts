import { decodeMediaFrame, parseServerMessage, type MediaFrame, type ServerMessage } from '@framewire/shared';
import { WebSocket, type ClientOptions } from 'ws';
import { TestSocket } from './test-socket.js';

export interface ReceivedFrame extends MediaFrame {
  /** performance.now() when the message arrived. */
  receivedAt: number;
}

export type Received = { kind: 'control'; message: ServerMessage; receivedAt: number } | { kind: 'media'; frame: ReceivedFrame };

/** A real ws client that records everything it receives, in order. */
export class Viewer extends TestSocket {
  readonly log: Received[] = [];
  private waiters: (() => void)[] = [];

  constructor(url: string, options: ClientOptions & { protocols?: string[] } = {}) {
    super(url, options);
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const receivedAt = performance.now();
      if (isBinary) {
        const frame = decodeMediaFrame(new Uint8Array(data));
        // Copy the payload out of ws's buffer so later assertions see stable bytes.
        this.log.push({ kind: 'media', frame: { ...frame, payload: frame.payload.slice(), receivedAt } });
      } else {
        const message = parseServerMessage(data.toString());
        if (message) this.log.push({ kind: 'control', message, receivedAt });
      }
      this.wake();
    });
  }

  protected override onClosed(): void {
    this.wake();
  }

  get frames(): ReceivedFrame[] {
    return this.log.flatMap((r) => (r.kind === 'media' ? [r.frame] : []));
  }

  get controls(): ServerMessage[] {
    return this.log.flatMap((r) => (r.kind === 'control' ? [r.message] : []));
  }

  /** Resolves when `predicate` holds (checked after every message), rejects after timeoutMs. */
  async until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (got ${this.frames.length} frames, controls ${JSON.stringify(this.controls)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilFrames(n: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.frames.length >= n, timeoutMs, `${n} frames`);
  }

  untilClosed(timeoutMs = 5000): Promise<void> {
    return this.until(() => this.closeCode !== null, timeoutMs, 'close');
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export function liveUrl(serverUrl: string, name: string): string {
  return `${serverUrl.replace(/^http/, 'ws')}live/${name}`;
}
