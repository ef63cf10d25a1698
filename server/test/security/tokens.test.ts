import { SignJWT, UnsecuredJWT } from 'jose';
import { createSecretKey } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServerConfig, startServer, type RunningServer } from '../../src/index.js';
import { formatEffectiveConfig } from '../../src/config/print.js';
import { mintViewerToken, parseDuration, tokenFromRequest, ViewerTokens } from '../../src/security/tokens.js';
import { ensureBuilt, runFramewire } from '../support/built-server.js';
import { testLogger } from '../support/fixtures.js';
import { handshake, metric } from '../support/security.js';
import { liveUrl } from '../support/viewer.js';

const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const OTHER_SECRET = 'another-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const HOUR = 3600;

describe('ViewerTokens (JWT, HS256)', () => {
  const tokens = new ViewerTokens(SECRET);

  it('accepts a token for the stream or for "*", and refuses other streams with wrong_stream_token', async () => {
    const cam = await mintViewerToken(SECRET, 'cam', { ttlSeconds: HOUR });
    const any = await mintViewerToken(SECRET, '*', { ttlSeconds: HOUR });
    expect(await tokens.verify(cam, 'cam')).toEqual({ ok: true });
    expect(await tokens.verify(any, 'door')).toEqual({ ok: true });
    expect(await tokens.verify(cam, 'door')).toMatchObject({ ok: false, reason: 'wrong_stream_token' });
    // The cached claims answer the same (second use of each token).
    expect(await tokens.verify(cam, 'door')).toMatchObject({ ok: false, reason: 'wrong_stream_token' });
    expect(await tokens.verify(cam, 'cam')).toEqual({ ok: true });
  });

  it('refuses missing, expired, not-yet-valid, foreign, unsigned, other-algorithm and malformed tokens', async () => {
    const now = Date.now();
    const expired = await mintViewerToken(SECRET, 'cam', { ttlSeconds: 60, now: now - 3 * 60_000 });
    const later = await mintViewerToken(SECRET, 'cam', { ttlSeconds: HOUR, notBeforeSeconds: 600 });
    const foreign = await mintViewerToken(OTHER_SECRET, 'cam', { ttlSeconds: HOUR });
    const unsigned = new UnsecuredJWT({ stream: 'cam' }).setExpirationTime('1h').encode();
    const hs512 = await new SignJWT({ stream: 'cam' }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(createSecretKey(Buffer.from(SECRET)));
    const noExp = await new SignJWT({ stream: 'cam' }).setProtectedHeader({ alg: 'HS256' }).sign(createSecretKey(Buffer.from(SECRET)));
    const noStream = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(createSecretKey(Buffer.from(SECRET)));
    const badName = await new SignJWT({ stream: '../etc' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(createSecretKey(Buffer.from(SECRET)));
    const good = await mintViewerToken(SECRET, 'cam', { ttlSeconds: HOUR });
    const tampered = good.replace(/\.([^.]+)\./, (_m, payload: string) => `.${Buffer.from(JSON.stringify({ stream: '*', exp: 9e9 })).toString('base64url')}.`);
    expect(payload(tampered)).toMatchObject({ stream: '*' });
    const cases: [string | null, string][] = [
      [null, 'no_token'],
      ['', 'no_token'],
      [expired, 'expired_token'],
      [later, 'invalid_token'],
      [foreign, 'invalid_token'],
      [unsigned, 'invalid_token'],
      [hs512, 'invalid_token'],
      [noExp, 'invalid_token'],
      [noStream, 'invalid_token'],
      [badName, 'invalid_token'],
      [tampered, 'invalid_token'],
      ['not.a.jwt', 'invalid_token'],
      ['x'.repeat(5000), 'invalid_token'],
    ];
    for (const [token, reason] of cases) expect(await tokens.verify(token, 'cam'), `${reason}: ${token?.slice(0, 40)}`).toMatchObject({ ok: false, reason });
  });

  it('expires a token that was accepted (and cached) once its exp passes', async () => {
    let now = Date.now();
    const clocked = new ViewerTokens(SECRET, () => now);
    const token = await mintViewerToken(SECRET, 'cam', { ttlSeconds: 60, now });
    expect(await clocked.verify(token, 'cam')).toEqual({ ok: true });
    now += 60_000 + 6_000; // past exp + the 5 s clock tolerance
    expect(await clocked.verify(token, 'cam')).toMatchObject({ ok: false, reason: 'expired_token' });
  });

  it('costs ~0.1 ms for a new token and ~1 µs for a known one', async () => {
    const fresh = await Promise.all(Array.from({ length: 300 }, (_, i) => mintViewerToken(SECRET, `s${i}`, { ttlSeconds: HOUR })));
    const t0 = performance.now();
    for (const [i, token] of fresh.entries()) await tokens.verify(token, `s${i}`);
    const firstUs = ((performance.now() - t0) / fresh.length) * 1000;
    const t1 = performance.now();
    for (let round = 0; round < 10; round++) for (const [i, token] of fresh.entries()) await tokens.verify(token, `s${i}`);
    const cachedUs = ((performance.now() - t1) / (fresh.length * 10)) * 1000;
    console.log(`token check: ${firstUs.toFixed(1)} µs first time (HMAC via jose), ${cachedUs.toFixed(2)} µs cached`);
    expect(firstUs).toBeLessThan(2000);
    expect(cachedUs).toBeLessThan(firstUs / 5);
  });

  it('reads the token from the subprotocol, then Authorization: Bearer, then ?token=', () => {
    const req = (headers: Record<string, string>, url = '/live/cam') => ({ headers, url }) as never;
    expect(tokenFromRequest(req({ 'sec-websocket-protocol': 'framewire, framewire.token.aaa.bbb.ccc' }))).toBe('aaa.bbb.ccc');
    expect(tokenFromRequest(req({ authorization: 'Bearer x.y.z' }))).toBe('x.y.z');
    expect(tokenFromRequest(req({}, '/hls/cam/index.m3u8?_HLS_msn=3&token=q.r.s'))).toBe('q.r.s');
    expect(tokenFromRequest(req({}))).toBeNull();
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('2d')).toBe(172_800);
    expect(parseDuration('0')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
  });
});

describe('viewer tokens on a running server', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        viewerTokenSecret: SECRET,
        streams: { demo: 'demo', priv: { source: 'demo', requireViewerToken: true } },
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server.close();
  });

  it('a public stream needs no token; a private one plays with a token in the subprotocol (server selects "framewire")', async () => {
    const open = await handshake(liveUrl(server.url, 'demo'), { openMs: 600 });
    expect(open.protocol).toBe('');
    expect(open.binaries).toBeGreaterThan(0);
    const token = await mintViewerToken(SECRET, 'priv', { ttlSeconds: 60 });
    const viewer = await handshake(liveUrl(server.url, 'priv'), { protocols: ['framewire', `framewire.token.${token}`], openMs: 800 });
    expect(viewer.protocol).toBe('framewire');
    expect(viewer.closeCode).toBeNull();
    expect(viewer.texts.map((t) => JSON.parse(t).type)).toContain('hello');
    expect(viewer.binaries).toBeGreaterThan(0);
    // Also as ?token= (short-lived tickets in URLs) and for "*".
    const star = await mintViewerToken(SECRET, '*', { ttlSeconds: 60 });
    const byQuery = await handshake(`${liveUrl(server.url, 'priv')}?token=${star}`, { openMs: 500 });
    expect(byQuery.binaries).toBeGreaterThan(0);
  });

  it('refuses a missing, expired or foreign token with 4401 and another stream\'s token with 4403, before any media', async () => {
    const expired = await mintViewerToken(SECRET, 'priv', { ttlSeconds: 60, now: Date.now() - 10 * 60_000 });
    const foreign = await mintViewerToken(OTHER_SECRET, 'priv', { ttlSeconds: 60 });
    const otherStream = await mintViewerToken(SECRET, 'demo', { ttlSeconds: 60 });
    const cases: [string[], number, string, RegExp][] = [
      [[], 4401, 'UNAUTHORIZED', /required/],
      [['framewire', `framewire.token.${expired}`], 4401, 'UNAUTHORIZED', /expired/],
      [['framewire', `framewire.token.${foreign}`], 4401, 'UNAUTHORIZED', /invalid/],
      [['framewire', `framewire.token.${otherStream}`], 4403, 'FORBIDDEN', /another stream/],
    ];
    for (const [protocols, code, errorCode, reason] of cases) {
      const out = await handshake(liveUrl(server.url, 'priv'), { protocols, openMs: 1500 });
      expect(out.closeCode, String(code)).toBe(code);
      expect(out.closeReason).toMatch(reason);
      expect(out.binaries).toBe(0);
      expect(JSON.parse(out.texts[0]!)).toMatchObject({ type: 'error', code: errorCode });
    }
    // An unknown stream name without a token is told "stream not found" only when tokens are not required globally.
    expect((await handshake(liveUrl(server.url, 'nope'), { openMs: 1500 })).closeCode).toBe(4404);
  });

  it('guards LL-HLS: 401 without or with a bad token, 403 for another stream, passes with ?token= or Bearer', async () => {
    const path = `${server.url}hls/priv/init-0-0.mp4`; // a name that does not exist: 404 once past the gate
    const token = await mintViewerToken(SECRET, 'priv', { ttlSeconds: 60 });
    const demoToken = await mintViewerToken(SECRET, 'demo', { ttlSeconds: 60 });
    const none = await fetch(path);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="framewire"');
    expect(none.headers.get('access-control-allow-origin')).toBe('*');
    const bad = await fetch(`${path}?token=${token.slice(0, -3)}abc`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await fetch(`${path}?token=${demoToken}`)).status).toBe(403);
    expect((await fetch(`${path}?token=${token}`)).status).toBe(404);
    expect((await fetch(path, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await fetch(`${server.url}hls/demo/init-0-0.mp4`)).status).toBe(404); // public stream: no gate
    // A CORS preflight carries no credentials and is answered.
    expect((await fetch(path, { method: 'OPTIONS' })).status).toBe(204);
  });

  it('a playlist asked for with ?token= carries it in every media URI, so native HLS players pass the gate', async () => {
    const token = await mintViewerToken(SECRET, 'priv', { ttlSeconds: 60 });
    const playlist = await (await fetch(`${server.url}hls/priv/index.m3u8?token=${token}`)).text();
    const uris = [...playlist.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!).concat(playlist.split('\n').filter((l) => l.startsWith('seg-')));
    expect(uris.length).toBeGreaterThan(2);
    for (const uri of uris) expect(uri.endsWith(`?token=${token}`), uri).toBe(true);
    const init = uris.find((u) => u.startsWith('init-'))!;
    expect((await fetch(`${server.url}hls/priv/${init}`)).status).toBe(200);
    expect((await fetch(`${server.url}hls/priv/${init.replace(/\?.*$/, '')}`)).status).toBe(401);
    // Without a query token (Bearer header, hls.js's xhrSetup) the URIs stay plain and cacheable.
    const plain = await (await fetch(`${server.url}hls/priv/index.m3u8`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(plain).not.toContain('token=');
  });

  it('leaves private streams out of /api/streams and counts refusals by reason in /metrics', async () => {
    const rows = (await (await fetch(`${server.url}api/streams`)).json()) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(['demo']);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="no_token"}')).toBeGreaterThanOrEqual(1);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="expired_token"}')).toBe(1);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="ws",reason="wrong_stream_token"}')).toBe(1);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="hls",reason="no_token"}')).toBeGreaterThanOrEqual(1);
    expect(await metric(server, 'framewire_viewer_refused_total{transport="hls",reason="wrong_stream_token"}')).toBe(1);
  });
});

describe('secrets stay out of the logs', () => {
  it('no token, publish key or secret appears in any log line (trace level), whatever is accepted or refused', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const server = await startServer(
      { host: '127.0.0.1', port: 0, viewerTokenSecret: SECRET, streams: { priv: { source: 'demo', requireViewerToken: true }, cam: { source: 'publish', key: 'pub-k3y-s3cret' }, open: 'publish' } },
      { logger },
    );
    try {
      const good = await mintViewerToken(SECRET, 'priv', { ttlSeconds: 60 });
      const other = await mintViewerToken(SECRET, 'cam', { ttlSeconds: 60 });
      await handshake(liveUrl(server.url, 'priv'), { protocols: ['framewire', `framewire.token.${good}`], openMs: 300 });
      await handshake(liveUrl(server.url, 'priv'), { protocols: ['framewire', `framewire.token.${other}`], openMs: 300 });
      await handshake(`${liveUrl(server.url, 'priv')}?token=${other}`, { openMs: 300 });
      await fetch(`${server.url}hls/priv/index.m3u8?token=${other}`);
      await handshake(`${server.url.replace('http', 'ws')}publish/cam?key=pub-k3y-s3cret`, { openMs: 200 });
      await handshake(`${server.url.replace('http', 'ws')}publish/cam?key=wrong-k3y-guess`, { openMs: 200 });
      const generated = server.publish.get('open')!.key;
      const text = lines.join('');
      expect(text).toMatch(/viewer refused/);
      for (const secret of [SECRET, good, other, 'pub-k3y-s3cret', 'wrong-k3y-guess', generated]) expect(text).not.toContain(secret);
    } finally {
      await server.close();
    }
  });
});

describe('token configuration and the framewire token command', () => {
  it('refuses requireViewerToken without a secret, and a short secret, without echoing it', () => {
    expect(() => resolveServerConfig({ requireViewerToken: true })).toThrow(/viewerTokenSecret: must be set/);
    expect(() => resolveServerConfig({ streams: { cam: { source: 'demo', requireViewerToken: true } } })).toThrow(/stream "cam" requires viewer tokens/);
    let message = '';
    try {
      resolveServerConfig({ viewerTokenSecret: 'short-secret-value' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/viewerTokenSecret: must be a secret of at least 32 characters/);
    expect(message).not.toContain('short-secret-value');
  });

  it('framewire config shows the secret as *** (and an unset one as null)', () => {
    const text = formatEffectiveConfig(resolveServerConfig({ viewerTokenSecret: SECRET }), new Map());
    expect(text).toMatch(/viewerTokenSecret: "\*\*\*"/);
    expect(text).not.toContain(SECRET);
    expect(formatEffectiveConfig(resolveServerConfig({}), new Map())).toMatch(/viewerTokenSecret: null/);
  });

  it('framewire token NAME --ttl mints a token the server accepts, with the secret from the environment', async () => {
    ensureBuilt();
    const out = await runFramewire(['token', 'cam', '--ttl', '10m'], { FRAMEWIRE_VIEWER_TOKEN_SECRET: SECRET });
    expect(out.code, out.stderr).toBe(0);
    const token = out.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(out.stderr).toMatch(/valid until/);
    expect(out.stderr).not.toContain(SECRET);
    const claims = payload(token);
    expect(claims.stream).toBe('cam');
    expect(claims.exp - claims.iat).toBe(600);
    expect(await new ViewerTokens(SECRET).verify(token, 'cam')).toEqual({ ok: true });
    const missing = await runFramewire(['token', 'cam']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/viewerTokenSecret: must be set to mint tokens/);
  });
});

function payload(token: string): { stream: string; exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { stream: string; exp: number; iat: number };
}
