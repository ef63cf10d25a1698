import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, MediaFlags, type CodecMessage, type StatusMessage } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import type { Source } from '../../src/sources/source.js';
import { testLogger } from '../support/fixtures.js';
import { HttpPublisher, publishFixture, publishWsUrl, WsPublisher } from '../support/publisher.js';
import { liveUrl, Viewer } from '../support/viewer.js';

const KEY = 's3cret-key';
/** A source that produces nothing: stands for any non-publish stream. */
const silentSource = (): Source => ({ description: 'silent', start() {}, async stop() {} });

describe('publishing over WS and HTTP /publish/NAME', () => {
  let server: RunningServer;
  let playerDir: string;
  const closers: (() => void)[] = [];
  const viewer = (name: string) => {
    const v = new Viewer(liveUrl(server.url, name));
    closers.push(() => v.close());
    return v;
  };
  const publisher = (name: string, key?: string, headers?: Record<string, string>, protocols?: string[]) => {
    const p = new WsPublisher(publishWsUrl(server.url, name, key), headers, protocols);
    closers.push(() => p.ws.terminate());
    return p;
  };
  const statuses = (v: Viewer) => v.controls.filter((m): m is StatusMessage => m.type === 'status');

  beforeAll(async () => {
    playerDir = mkdtempSync(join(tmpdir(), 'fw-publish-'));
    writeFileSync(join(playerDir, 'publish.html'), '<!doctype html><title>publish page</title>');
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: { cam: { source: 'publish', key: KEY }, put: { source: 'publish', key: KEY }, open: 'publish', other: 'stdin' },
        publishMaxPayloadBytes: 256 * 1024,
        playerDir,
        publishIdleTimeoutMs: 1500,
      },
      { logger: testLogger, sources: { other: silentSource } },
    );
  });
  afterAll(async () => {
    for (const close of closers) close();
    await server.close();
    rmSync(playerDir, { recursive: true, force: true });
  });

  it('generates a key for a publish stream without one, and keeps configured keys', () => {
    expect(server.publish.get('cam')).toMatchObject({ key: KEY, keyGenerated: false });
    const open = server.publish.get('open')!;
    expect(open.keyGenerated).toBe(true);
    expect(open.key.length).toBeGreaterThanOrEqual(16);
    expect(server.publish.has('other')).toBe(false);
  });

  it('refuses publishers with close codes: no key 4401, wrong key 4403, unknown stream 4404, not a publish stream 4405', async () => {
    const cases: [string, string | undefined, number][] = [
      ['cam', undefined, CloseCode.PUBLISH_KEY_MISSING],
      ['cam', 'nope', CloseCode.PUBLISH_KEY_WRONG],
      ['nosuch', KEY, CloseCode.STREAM_NOT_FOUND],
      ['other', KEY, CloseCode.NOT_PUBLISHABLE],
      ['bad%20name', KEY, CloseCode.BAD_REQUEST],
    ];
    for (const [name, key, code] of cases) {
      const p = publisher(name, key);
      await p.closed;
      expect(p.closeCode, `${name} key=${key}`).toBe(code);
      expect(p.closeReason.length).toBeGreaterThan(0);
    }
    expect(server.streams.get('cam')!.state).toBe('waiting');
  });

  it('plays Annex-B chunks from a WS publisher; a second publisher gets 4409 and the first keeps streaming', async () => {
    const v = viewer('cam');
    await v.opened;
    const first = publisher('cam', KEY);
    await first.opened;
    await expect.poll(() => first.texts.length).toBe(1);
    expect(JSON.parse(first.texts[0]!)).toEqual({ type: 'publishing', stream: 'cam' });
    let stop = false;
    const feeding = publishFixture((c) => first.send(c), { frames: 60, pieceBytes: 777, stop: () => stop });
    await v.untilFrames(10, 5000);
    expect(v.frames[0]!.flags & MediaFlags.KEY).toBeTruthy();
    const codec = v.controls.find((m): m is CodecMessage => m.type === 'codec');
    expect(codec).toMatchObject({ width: 320, height: 240 });

    // Bearer header instead of ?key=: accepted as a key, refused as a second publisher.
    const second = publisher('cam', undefined, { authorization: `Bearer ${KEY}` });
    await second.closed;
    expect(second.closeCode).toBe(CloseCode.PUBLISHER_CONFLICT);
    const before = v.frames.length;
    await v.untilFrames(before + 10, 3000);
    expect(first.open).toBe(true);
    stop = true;
    await feeding;
    first.close();
  });

  it('takes the key as the subprotocol framewire.key.KEY (the browser publisher: not in the URL) and selects "framewire", never echoing the key', async () => {
    const wrong = publisher('cam', undefined, {}, ['framewire', 'framewire.key.nope']);
    await wrong.closed;
    expect(wrong.closeCode).toBe(CloseCode.PUBLISH_KEY_WRONG);
    const p = publisher('cam', undefined, {}, ['framewire', `framewire.key.${KEY}`]);
    await p.opened;
    expect(p.ws.protocol).toBe('framewire');
    await expect.poll(() => p.texts.length).toBe(1);
    expect(JSON.parse(p.texts[0]!)).toEqual({ type: 'publishing', stream: 'cam' });
    p.close();
    await p.closed;
  });

  it('a publisher that leaves puts the stream in waiting; the next one resumes for the same viewer with a discontinuity', async () => {
    const v = viewer('cam');
    await v.opened;
    const one = publisher('cam', KEY);
    await one.opened;
    await publishFixture((c) => one.send(c), { frames: 40 });
    await v.untilFrames(30, 5000);
    one.close();
    await v.until(() => statuses(v).at(-1)?.state === 'waiting', 3000, 'waiting status');
    expect(statuses(v).at(-1)!.reason).toMatch(/publisher disconnected/);
    const framesBefore = v.frames.length;

    const two = publisher('cam', KEY);
    await two.opened;
    await publishFixture((c) => two.send(c), { frames: 30 });
    await v.untilFrames(framesBefore + 20, 5000);
    const resumed = v.frames[framesBefore]!;
    expect(resumed.flags & MediaFlags.KEY).toBeTruthy();
    expect(resumed.flags & MediaFlags.DISCONTINUITY).toBeTruthy();
    expect(v.closeCode).toBeNull();
    expect(statuses(v).at(-1)!.state).toBe('live');
    two.close();
  });

  it('malformed bytes put only that stream in error; valid H.264 afterwards plays again', async () => {
    const watcher = viewer('cam');
    const p = publisher('open', server.publish.get('open')!.key);
    await p.opened;
    // Non-video bytes without start codes: the input classifier gives up on them.
    const garbage = new Uint8Array(64 * 1024).map((_, i) => (i * 73 + 11) & 0xfe);
    for (let i = 0; i < 8; i++) p.send(garbage);
    await expect.poll(() => server.streams.get('open')!.state, { timeout: 5000 }).toBe('error');
    expect(server.streams.get('open')!.reason).toMatch(/publisher ws/);
    expect(server.streams.get('cam')!.state).not.toBe('error');
    await publishFixture((c) => p.send(c), { frames: 40 });
    await expect.poll(() => server.streams.get('open')!.state, { timeout: 5000 }).toBe('live');
    expect(p.open).toBe(true);
    p.close();
    await watcher.opened;
    expect(watcher.closeCode).toBeNull();
  });

  it('closes a publisher with 1009 when a message exceeds publishMaxPayloadBytes', async () => {
    const p = publisher('open', server.publish.get('open')!.key);
    await p.opened;
    p.send(new Uint8Array(300 * 1024));
    await p.closed;
    expect(p.closeCode).toBe(1009);
  });

  it('disconnects a silent publisher after publishIdleTimeoutMs with 4408, freeing the stream', async () => {
    const p = publisher('open', server.publish.get('open')!.key);
    await p.opened;
    const t0 = performance.now();
    await p.closed;
    expect(p.closeCode).toBe(CloseCode.PUBLISH_IDLE);
    expect(performance.now() - t0).toBeGreaterThan(1000);
    const next = publisher('open', server.publish.get('open')!.key);
    await next.opened;
    await expect.poll(() => next.texts.length).toBe(1);
    next.close();
  });

  it('PUT with a chunked body plays while the request is open, 204 at its end; refusals are 401/403/404/405/409', async () => {
    const refused: [string, string | undefined, number][] = [
      ['put', undefined, 401],
      ['put', 'nope', 403],
      ['nosuch', KEY, 404],
      ['other', KEY, 405],
    ];
    for (const [name, key, status] of refused) {
      const r = new HttpPublisher(server.url, name, { key });
      r.write(new Uint8Array([0, 0, 0, 1, 0x09, 0xf0]));
      const res = await r.response;
      expect(res.status, `${name} key=${key}`).toBe(status);
      if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      r.req.destroy();
    }

    const v = viewer('put');
    await v.opened;
    const pub = new HttpPublisher(server.url, 'put', { key: KEY });
    let stop = false;
    const feeding = publishFixture((c) => pub.write(c), { frames: 60, stop: () => stop });
    await v.untilFrames(10, 5000);

    const second = new HttpPublisher(server.url, 'put', { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    second.write(new Uint8Array([0, 0, 0, 1, 0x09, 0xf0]));
    expect((await second.response).status).toBe(409);
    const before = v.frames.length;
    await v.untilFrames(before + 10, 3000);
    stop = true;
    await feeding;
    pub.end();
    expect((await pub.response).status).toBe(204);
    await v.until(() => statuses(v).at(-1)?.state === 'waiting', 3000, 'waiting after PUT ended');
  });

  it('closes a publisher that sends text with 1003', async () => {
    const p = publisher('open', server.publish.get('open')!.key);
    await p.opened;
    p.ws.send('hello');
    await p.closed;
    expect(p.closeCode).toBe(1003);
  });

  it('answers 408 and frees the stream when a PUT body goes silent for publishIdleTimeoutMs', async () => {
    const pub = new HttpPublisher(server.url, 'put', { key: KEY });
    await publishFixture((c) => pub.write(c), { frames: 10 });
    await expect.poll(() => server.streams.get('put')!.state, { timeout: 3000 }).toBe('live');
    const res = await pub.response;
    expect(res.status).toBe(408);
    await expect.poll(() => server.streams.get('put')!.state, { timeout: 3000 }).toBe('waiting');
    expect(server.streams.get('put')!.reason).toMatch(/publisher disconnected/);
  });

  it('serves publish.html at GET /publish/NAME (any stream name: the page reports refusals) and refuses other methods with 405', async () => {
    const page = await fetch(new URL('publish/cam?key=x', server.url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>publish page</title>');
    const res = await fetch(new URL('publish/cam', server.url), { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, PUT, POST');
    expect((await fetch(new URL('publish/bad%20name', server.url))).status).toBe(404);
  });
});
