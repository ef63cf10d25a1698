/**
 * WebSocket subprotocols (RFC 6455 §1.9, `Sec-WebSocket-Protocol`). A browser can set no headers
 * on a WebSocket, so a secret that must not go into the URL (URLs end up in access logs, proxy
 * logs and browser history) travels as an offered subprotocol, next to `framewire`, which the
 * server selects: a browser fails the connection unless the server selects one of the offered
 * subprotocols, and selecting the secret would echo it back in one more header.
 */

/** The subprotocol the server selects when it is offered. */
export const FRAMEWIRE_SUBPROTOCOL = 'framewire';
/** `framewire.token.<JWT>`: a viewer token (WS /live/NAME). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'framewire.token.';
/** `framewire.key.<KEY>`: a publish key (WS /publish/NAME). */
export const PUBLISH_KEY_SUBPROTOCOL_PREFIX = 'framewire.key.';

/** A value that can be carried in a subprotocol: an RFC 7230 §3.2.6 token. */
export function isSubprotocolSafe(value: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value);
}

/** What a client offers to carry `secret`: `framewire` (which the server selects) and `prefix` + secret. */
export function secretSubprotocols(prefix: string, secret: string): string[] {
  return [FRAMEWIRE_SUBPROTOCOL, prefix + secret];
}

/** The value after `prefix` in a `Sec-WebSocket-Protocol` request header, or null. */
export function subprotocolValue(header: string | string[] | undefined, prefix: string): string | null {
  if (typeof header !== 'string') return null;
  for (const item of header.split(',')) {
    const protocol = item.trim();
    if (protocol.startsWith(prefix)) return protocol.slice(prefix.length);
  }
  return null;
}

/**
 * ws `handleProtocols`: `framewire` when offered, else the first offered protocol that carries
 * no secret, else the first (a browser fails a handshake whose offer was ignored).
 */
export function selectSubprotocol(protocols: ReadonlySet<string>): string | false {
  if (protocols.has(FRAMEWIRE_SUBPROTOCOL)) return FRAMEWIRE_SUBPROTOCOL;
  const offered = [...protocols];
  return offered.find((p) => !p.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && !p.startsWith(PUBLISH_KEY_SUBPROTOCOL_PREFIX)) ?? offered[0] ?? false;
}
