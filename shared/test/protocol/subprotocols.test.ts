import { describe, expect, it } from 'vitest';
import { isSubprotocolSafe, PUBLISH_KEY_SUBPROTOCOL_PREFIX, secretSubprotocols, selectSubprotocol, subprotocolValue, TOKEN_SUBPROTOCOL_PREFIX } from '../../src/protocol/subprotocols.js';

describe('WebSocket subprotocols carrying secrets', () => {
  it('reads the value after a prefix from the request header, or null', () => {
    const header = `framewire, ${TOKEN_SUBPROTOCOL_PREFIX}a.b.c,${PUBLISH_KEY_SUBPROTOCOL_PREFIX}k-1`;
    expect(subprotocolValue(header, TOKEN_SUBPROTOCOL_PREFIX)).toBe('a.b.c');
    expect(subprotocolValue(header, PUBLISH_KEY_SUBPROTOCOL_PREFIX)).toBe('k-1');
    expect(subprotocolValue('framewire', PUBLISH_KEY_SUBPROTOCOL_PREFIX)).toBeNull();
    expect(subprotocolValue(undefined, TOKEN_SUBPROTOCOL_PREFIX)).toBeNull();
  });

  it('selects framewire, else a protocol without a secret, and echoes a secret only when nothing else was offered', () => {
    expect(selectSubprotocol(new Set([`${PUBLISH_KEY_SUBPROTOCOL_PREFIX}k`, 'framewire']))).toBe('framewire');
    expect(selectSubprotocol(new Set([`${TOKEN_SUBPROTOCOL_PREFIX}t`, 'other']))).toBe('other');
    expect(selectSubprotocol(new Set([`${TOKEN_SUBPROTOCOL_PREFIX}t`]))).toBe(`${TOKEN_SUBPROTOCOL_PREFIX}t`);
    expect(selectSubprotocol(new Set())).toBe(false);
  });

  it('a secret offered by a client is read back by the server, which selects framewire, not the secret', () => {
    const offered = secretSubprotocols(PUBLISH_KEY_SUBPROTOCOL_PREFIX, 'k3y');
    expect(subprotocolValue(offered.join(', '), PUBLISH_KEY_SUBPROTOCOL_PREFIX)).toBe('k3y');
    expect(subprotocolValue(offered.join(', '), TOKEN_SUBPROTOCOL_PREFIX)).toBeNull();
    expect(selectSubprotocol(new Set(offered))).toBe('framewire');
  });

  it('knows which values a subprotocol can carry (RFC 7230 token characters)', () => {
    expect(isSubprotocolSafe('eyJhbGciOi.J9-_x~')).toBe(true);
    expect(isSubprotocolSafe('s3cret key')).toBe(false);
    expect(isSubprotocolSafe('a,b')).toBe(false);
    expect(isSubprotocolSafe('')).toBe(false);
  });
});
