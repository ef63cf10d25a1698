import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CloseCode, PUBLISH_KEY_SUBPROTOCOL_PREFIX, subprotocolValue } from '@framewire/shared';
import { STREAM_NAME_PATTERN } from '../config.js';
import type { OriginPolicy } from '../security/origin-policy.js';
import type { PublishSource } from './publish-source.js';

/** One publish stream: its source and its key. */
export interface PublishPoint {
  name: string;
  source: PublishSource;
  key: string;
}

/**
 * Why a publisher is turned away, as an HTTP status (PUT/POST) and a WebSocket close code (WS;
 * a browser cannot read the status of a failed upgrade). Stable: tests and clients match on them.
 */
export interface PublishRefusal {
  status: 400 | 401 | 403 | 404 | 405 | 409;
  /** The `reason` label of framewire_publish_refused_total. */
  reason: PublishRefusalReason;
  closeCode: number;
  /** ≤ 123 bytes: it is also the close reason (RFC 6455 5.5). */
  message: string;
}

export const PUBLISH_REFUSAL_REASONS = ['invalid_name', 'unknown_stream', 'not_publish_stream', 'no_key', 'wrong_key', 'busy', 'origin'] as const;
export type PublishRefusalReason = (typeof PUBLISH_REFUSAL_REASONS)[number];

export type PublishAuthorization = { ok: true; point: PublishPoint } | { ok: false; refusal: PublishRefusal };

export const PUBLISH_PREFIX = '/publish/';

/**
 * The publish side of the server: which streams take publishers, and who may publish. The
 * transports (ws-publisher-server.ts, http-publisher.ts) ask authorize() and then attach to the
 * point's source; attach() itself refuses a second concurrent publisher.
 */
export class PublishEndpoints {
  constructor(
    private readonly points: ReadonlyMap<string, PublishPoint>,
    /** Every stream name (publish or not), to tell "not a publish stream" from "no such stream". */
    private readonly streamNames: ReadonlySet<string>,
    /** publishAllowedOrigins (security/origin-policy.ts); absent = any page. */
    private readonly origins?: OriginPolicy,
  ) {}

  /**
   * A browser page of another site may not publish (config publishAllowedOrigins): 403, before
   * the key is looked at. The WebSocket answers it at the handshake (RFC 6455 4.2.2); the
   * publish page of this server and non-browser publishers (no Origin) always pass.
   */
  originRefusal(req: IncomingMessage): PublishRefusal | null {
    if (!this.origins || this.origins.allows(req)) return null;
    return this.count({ status: 403, closeCode: CloseCode.PUBLISH_KEY_WRONG, reason: 'origin', message: "this page's origin may not publish to this server (publishAllowedOrigins)" });
  }

  /** Refused publish attempts by reason since start (read by metrics/metrics.ts at scrape time). */
  readonly refused = new Map<PublishRefusalReason, number>();

  get all(): ReadonlyMap<string, PublishPoint> {
    return this.points;
  }

  authorize(name: string, key: string | null): PublishAuthorization {
    const refuse = (status: PublishRefusal['status'], closeCode: number, reason: PublishRefusalReason, message: string): PublishAuthorization => ({
      ok: false,
      refusal: this.count({ status, closeCode, reason, message }),
    });
    if (!STREAM_NAME_PATTERN.test(name)) return refuse(400, CloseCode.BAD_REQUEST, 'invalid_name', 'invalid stream name');
    const point = this.points.get(name);
    if (!point) {
      return this.streamNames.has(name)
        ? refuse(405, CloseCode.NOT_PUBLISHABLE, 'not_publish_stream', `stream "${name}" does not take publishers (its source is not publish)`)
        : refuse(404, CloseCode.STREAM_NOT_FOUND, 'unknown_stream', `stream "${name}" not found`);
    }
    if (key === null || key.length === 0) return refuse(401, CloseCode.PUBLISH_KEY_MISSING, 'no_key', 'publish key required (?key=KEY, Authorization: Bearer KEY, or the WebSocket subprotocol framewire.key.KEY)');
    if (!sameKey(key, point.key)) return refuse(403, CloseCode.PUBLISH_KEY_WRONG, 'wrong_key', 'wrong publish key');
    return { ok: true, point };
  }

  /** The refusal for a second publisher (attach() returned null), counted. */
  conflict(name: string): PublishRefusal {
    return this.count({
      status: 409,
      closeCode: CloseCode.PUBLISHER_CONFLICT,
      reason: 'busy',
      message: `stream "${name}" already has a publisher`,
    });
  }

  private count(refusal: PublishRefusal): PublishRefusal {
    this.refused.set(refusal.reason, (this.refused.get(refusal.reason) ?? 0) + 1);
    return refusal;
  }
}

/** The stream name of a /publish/NAME path, or null for other paths ('' if undecodable). */
export function publishStreamName(pathname: string): string | null {
  if (!pathname.startsWith(PUBLISH_PREFIX)) return null;
  const raw = pathname.slice(PUBLISH_PREFIX.length).replace(/\/$/, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return '';
  }
}

/**
 * The key from the WebSocket subprotocol `framewire.key.KEY` (the browser publisher: a WebSocket
 * can set no headers, and a key in the URL lands in access and proxy logs), `?key=` (ffmpeg and
 * other tools) or `Authorization: Bearer`, in that order.
 */
export function publishKeyFrom(req: IncomingMessage): string | null {
  const fromProtocol = subprotocolValue(req.headers['sec-websocket-protocol'], PUBLISH_KEY_SUBPROTOCOL_PREFIX);
  if (fromProtocol !== null) return fromProtocol;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = url.searchParams.get('key');
  if (query !== null) return query;
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m?.[1] ?? null;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
function sameKey(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
