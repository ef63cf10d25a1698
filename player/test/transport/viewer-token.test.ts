import { afterEach, describe, expect, it, vi } from 'vitest';
import { mergeConfig } from '../../src/config.js';
import { lowLatencyHlsConfig, withToken } from '../../src/hls/hls-config.js';
import { configFromQuery } from '../../src/pages/page-player.js';
import { viewerSubprotocols, WsClient } from '../../src/transport/ws-client.js';
import { FakeWebSocket } from '../helpers/fake-websocket.js';

/** A header-less JWT shape: three base64url parts. */
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdHJlYW0iOiJjYW0ifQ.c2lnbmF0dXJl_-x';


describe('viewer token in the player', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
    FakeWebSocket.instances = [];
  });

  it('config.token defaults to none and must look like a JWT (it becomes a WebSocket subprotocol)', () => {
    expect(mergeConfig().token).toBe('');
    expect(mergeConfig({ token: TOKEN }).token).toBe(TOKEN);
    for (const bad of ['a b', 'x,y', 'tok"en', 'é']) expect(() => mergeConfig({ token: bad }), bad).toThrow(/config.token/);
  });

  it('offers `framewire` and `framewire.token.<JWT>` as subprotocols, nothing without a token', () => {
    expect(viewerSubprotocols(TOKEN)).toEqual(['framewire', `framewire.token.${TOKEN}`]);
    expect(viewerSubprotocols('')).toBeUndefined();
    vi.stubGlobal('WebSocket', FakeWebSocket);
    const handlers = { onOpen: vi.fn(), onControl: vi.fn(), onMedia: vi.fn(), onClose: vi.fn() };
    new WsClient('ws://tv.example/live/cam', { initialDelayMs: 10, backoffFactor: 2, maxDelayMs: 100, jitter: 0, maxAttempts: Infinity, token: TOKEN }, handlers).connect();
    expect(FakeWebSocket.instances[0]!.url).toBe('ws://tv.example/live/cam'); // the token is not in the URL
    expect(FakeWebSocket.instances[0]!.protocols).toEqual(['framewire', `framewire.token.${TOKEN}`]);
  });

  it('does not reconnect after 4401 or 4403 (the same token would be refused again), but does after 1013', () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeWebSocket);
    for (const [code, retries] of [[4401, false], [4403, false], [1013, true]] as const) {
      FakeWebSocket.instances = [];
      const onClose = vi.fn();
      new WsClient('ws://h/live/cam', { initialDelayMs: 10, backoffFactor: 2, maxDelayMs: 100, jitter: 0, maxAttempts: Infinity }, { onOpen: vi.fn(), onControl: vi.fn(), onMedia: vi.fn(), onClose }).connect();
      FakeWebSocket.instances[0]!.onclose!({ code, reason: 'x' });
      vi.advanceTimersByTime(50);
      expect(onClose.mock.calls[0]![2] >= 0, String(code)).toBe(retries);
      expect(FakeWebSocket.instances.length, String(code)).toBe(retries ? 2 : 1);
    }
  });

  it('hls.js gets the token as ?token= on every request (no header: no CORS preflight per part)', () => {
    expect(lowLatencyHlsConfig(mergeConfig())).not.toHaveProperty('xhrSetup');
    const { xhrSetup } = lowLatencyHlsConfig(mergeConfig({ token: TOKEN }));
    const open = vi.fn();
    xhrSetup!({ open } as unknown as XMLHttpRequest, 'https://tv.example/hls/cam/index.m3u8?_HLS_msn=4&_HLS_part=1');
    expect(open).toHaveBeenCalledWith('GET', `https://tv.example/hls/cam/index.m3u8?_HLS_msn=4&_HLS_part=1&token=${TOKEN}`, true);
    expect(withToken('https://h/hls/cam/part-a-1.m4s?token=old', TOKEN)).toBe(`https://h/hls/cam/part-a-1.m4s?token=${TOKEN}`);
  });

  it('the pages take ?token= (and ?fw.token=)', () => {
    expect(configFromQuery(`?token=${TOKEN}&muted=1`)).toEqual({ token: TOKEN });
    expect(configFromQuery(`?fw.token=${TOKEN}`)).toEqual({ token: TOKEN });
  });
});
