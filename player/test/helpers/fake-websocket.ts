/**
 * Just enough of the browser's WebSocket for WsClient, recording what it was asked (URL,
 * subprotocols) so unit tests can drive open/message/close by hand (vi.stubGlobal('WebSocket', …)).
 */
export class FakeWebSocket {
  static readonly OPEN = 1;
  static readonly CONNECTING = 0;
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  binaryType = '';
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string, readonly protocols?: string | string[]) {
    FakeWebSocket.instances.push(this);
  }
  close(): void {}
}
