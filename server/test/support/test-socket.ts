import { WebSocket, type ClientOptions } from 'ws';

/** A real ws client that records how it was closed; Viewer and WsPublisher build on it. */
export class TestSocket {
  readonly ws: WebSocket;
  closeCode: number | null = null;
  closeReason = '';
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string, options: ClientOptions & { protocols?: string[] } = {}) {
    const { protocols, ...rest } = options;
    this.ws = new WebSocket(url, protocols ?? [], { perMessageDeflate: false, ...rest });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.onClosed();
        resolve();
      });
    });
  }

  /** Called once the close code is known, before `closed` resolves. */
  protected onClosed(): void {}
}
