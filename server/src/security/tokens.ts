/**
 * Viewer tokens: short-lived JSON Web Tokens (RFC 7519) signed with HMAC-SHA-256 (JWS "HS256",
 * RFC 7518 3.2) under the server's `viewerTokenSecret`, minted by `framewire token` or by the
 * operator's own site. The signing and checking is jose's (no dependencies, maintained, and
 * the same code works in browsers and Node).
 *
 * Claims: `stream` (a stream name, or `*` for every stream), `exp` (required), `nbf` and `iat`
 * (optional). Only HS256 is accepted, so a token cannot pick its own algorithm (`none`, or an
 * asymmetric one keyed with our secret: RFC 8725 2.1, 3.1).
 *
 * Where a token travels (never logged, see viewer-access.ts):
 *  - WS /live/NAME: the subprotocol `framewire.token.<JWT>` (a browser cannot set headers on a
 *    WebSocket, and a subprotocol stays out of URLs, access logs and Referer headers). RFC 6455
 *    4.1 requires each subprotocol to be an RFC 7230 `token` (tchar: ALPHA / DIGIT and
 *    !#$%&'*+-.^_`|~); a compact JWT is base64url (A–Z a–z 0–9 - _) joined by ".", so it fits.
 *  - `Authorization: Bearer <JWT>` (RFC 6750 2.1), for programs and hls.js set-ups that add headers.
 *  - `?token=<JWT>` (RFC 6750 2.3), for LL-HLS URLs and the pages: a URL can end up in logs and
 *    histories, which is acceptable only because the token expires (README "Security").
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors, jwtVerify, SignJWT } from 'jose';
import { subprotocolValue, TOKEN_SUBPROTOCOL_PREFIX } from '@framewire/shared';
import { STREAM_NAME_PATTERN } from '../config/schema.js';

/** The token claim naming the stream; `*` = every stream. */
export const STREAM_CLAIM = 'stream';
/** Longer input is not even parsed: a real token is ~150–250 characters. */
const MAX_TOKEN_LENGTH = 4096;
/** Clock skew allowed between the minting machine and this one, for exp and nbf. */
const CLOCK_TOLERANCE_S = 5;
/** Verified tokens kept (with their claims) so a repeated token costs a map lookup, not an HMAC. */
const CACHE_SIZE = 10_000;

export type TokenRefusalReason = 'no_token' | 'invalid_token' | 'expired_token' | 'wrong_stream_token';

export type TokenCheck = { ok: true } | { ok: false; reason: TokenRefusalReason; message: string };

interface VerifiedClaims {
  stream: string;
  /** Seconds since the epoch. */
  exp: number;
  nbf: number | undefined;
}

/**
 * Checks viewer tokens against one secret. `verify()` is async (jose uses WebCrypto) and costs
 * about 110 µs the first time a token is seen on a 2-core machine; after that the claims come
 * from a bounded cache (~1 µs), which matters for LL-HLS, whose players send ~10 requests a second.
 * Only tokens whose signature checked out enter the cache.
 */
export class ViewerTokens {
  private readonly key: KeyObject;
  private readonly cache = new Map<string, VerifiedClaims>();

  constructor(secret: string, private readonly now: () => number = Date.now) {
    this.key = secretKey(secret);
  }

  async verify(token: string | null, stream: string): Promise<TokenCheck> {
    if (token === null || token.length === 0) return { ok: false, reason: 'no_token', message: 'viewer token required' };
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid_token', message: 'invalid viewer token' };
    let claims = this.cache.get(token);
    if (!claims) {
      const verified = await this.verifySignature(token);
      if ('reason' in verified) return verified;
      claims = verified;
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(token, claims);
    }
    // Checked on every use, cached or not: a cached token still expires.
    const nowS = this.now() / 1000;
    if (nowS > claims.exp + CLOCK_TOLERANCE_S) {
      this.cache.delete(token);
      return { ok: false, reason: 'expired_token', message: 'viewer token expired' };
    }
    if (claims.nbf !== undefined && nowS < claims.nbf - CLOCK_TOLERANCE_S) return { ok: false, reason: 'invalid_token', message: 'viewer token not valid yet' };
    if (claims.stream !== '*' && claims.stream !== stream) return { ok: false, reason: 'wrong_stream_token', message: 'viewer token is for another stream' };
    return { ok: true };
  }

  private async verifySignature(token: string): Promise<VerifiedClaims | { ok: false; reason: TokenRefusalReason; message: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', STREAM_CLAIM],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(this.now()),
      });
      const stream = payload[STREAM_CLAIM];
      if (typeof stream !== 'string' || (stream !== '*' && !STREAM_NAME_PATTERN.test(stream))) {
        return { ok: false, reason: 'invalid_token', message: 'invalid viewer token (claim "stream")' };
      }
      return { stream, exp: payload.exp!, nbf: payload.nbf };
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired_token', message: 'viewer token expired' };
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') return { ok: false, reason: 'invalid_token', message: 'viewer token not valid yet' };
      // Bad signature, malformed, another algorithm, missing claims: one answer, no details
      // (RFC 6750 3.1 invalid_token).
      return { ok: false, reason: 'invalid_token', message: 'invalid viewer token' };
    }
  }
}

export interface MintOptions {
  /** Lifetime, seconds. */
  ttlSeconds: number;
  /** Valid from this many seconds after now (nbf); 0 = at once (no nbf claim). */
  notBeforeSeconds?: number;
  now?: number;
}

/** A viewer token for `stream` (or `*`), as `framewire token` prints it. */
export async function mintViewerToken(secret: string, stream: string, options: MintOptions): Promise<string> {
  if (stream !== '*' && !STREAM_NAME_PATTERN.test(stream)) throw new TypeError(`stream must be a stream name or "*", got "${stream}"`);
  const nowS = Math.floor((options.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({ [STREAM_CLAIM]: stream }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(nowS).setExpirationTime(nowS + Math.round(options.ttlSeconds));
  if (options.notBeforeSeconds) jwt.setNotBefore(nowS + Math.round(options.notBeforeSeconds));
  return jwt.sign(secretKey(secret));
}

function secretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * The token of a request, from (in this order) the WebSocket subprotocol, `Authorization:
 * Bearer`, or `?token=`. null when there is none.
 */
export function tokenFromRequest(req: IncomingMessage): string | null {
  const fromProtocol = subprotocolValue(req.headers['sec-websocket-protocol'], TOKEN_SUBPROTOCOL_PREFIX);
  if (fromProtocol !== null) return fromProtocol;
  const auth = req.headers.authorization;
  const bearer = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (bearer?.[1]) return bearer[1];
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('token');
}

/** `1h`, `30m`, `90s`, `2d` or plain seconds → seconds; null if unreadable. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/i.exec(text.trim());
  if (!m) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  return seconds > 0 ? seconds : null;
}
