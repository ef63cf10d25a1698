import { gunzipSync } from 'node:zlib';
import type { AccessUnit } from '@framewire/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stream } from '../../src/pipeline/stream.js';
import { startServer, type RunningServer } from '../../src/index.js';
import { fixtureAccessUnits, NOAUD_FIXTURE, sleep, testLogger } from '../support/fixtures.js';
import { allParts, findBoxes, httpRequest, inspect, parsePlaylist, type HttpResult, type ParsedPlaylist } from '../support/hls.js';

/**
 * LL-HLS over real HTTP on loopback: the `demo` stream (paced in real time, 1280x720@30, GOP 1 s)
 * and `manual`, fed access units by the test, to make a source that stalls.
 */
describe('LL-HLS HTTP: /hls/NAME/…', () => {
  let server: RunningServer;
  let manual: Stream;
  const BLOCK_TIMEOUT_MS = 1500;

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: { demo: 'demo', manual: 'stdin' },
        hlsBlockTimeoutMs: BLOCK_TIMEOUT_MS,
      },
      {
        logger: testLogger,
        sources: {
          manual: (stream) => {
            manual = stream;
            return { description: 'fed by the test', start: () => {}, stop: async () => {} };
          },
        },
      },
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> => httpRequest(server.url, path, { headers, method });
  const playlist = async (query = ''): Promise<{ res: HttpResult; p: ParsedPlaylist }> => {
    const res = await get(`/hls/demo/index.m3u8${query}`);
    expect(res.status).toBe(200);
    return { res, p: parsePlaylist(res.body.toString('utf8')) };
  };
  /** The next part after the newest listed one, as hls.js asks for it. */
  const nextPart = (p: ParsedPlaylist): string => {
    const last = p.segments.at(-1)!;
    return last.uri === null ? `?_HLS_msn=${last.msn}&_HLS_part=${last.parts.length}` : `?_HLS_msn=${last.msn + 1}&_HLS_part=0`;
  };

  it('answers the first playlist request at once, with a complete segment and the LL-HLS tags', async () => {
    await sleep(1500); // the demo is live, its first segment (one GOP) complete, mid-GOP
    const { res, p } = await playlist();
    console.log(`[hls] first playlist request: ${res.ms.toFixed(1)} ms, ${allParts(p).length} parts listed`);
    expect(res.ms).toBeLessThan(300);
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(p.segments[0]!.uri).toMatch(/^seg-[0-9a-f]+-0\.m4s$/); // hls.js and ffmpeg need one to start
    expect(allParts(p).length).toBeGreaterThanOrEqual(2); // the current GOP so far, cut into 0.2 s parts
    expect(p.segments.every((seg) => seg.parts.length === 0 || seg.parts[0]!.independent)).toBe(true);
    expect(p).toMatchObject({ version: 6, targetDuration: 2, partTarget: 0.204, endList: false });
    expect(p.serverControl).toEqual({ 'CAN-BLOCK-RELOAD': 'YES', 'PART-HOLD-BACK': '0.612' });
    expect(p.preloadHint).toMatch(/^part-[0-9a-f]+-\d+\.m4s$/);

    const init = await get(`/hls/demo/${p.segments[0]!.map}`);
    expect(init.status).toBe(200);
    expect(init.headers['content-type']).toBe('video/mp4');
    expect(inspect(init.body).map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(findBoxes(inspect(init.body), 'tkhd')[0]).toMatchObject({ width: 1280, height: 720 });
  });

  it('blocks a reload until the requested part exists (~one part interval), like hls.js asks', async () => {
    let { p } = await playlist();
    const waits: number[] = [];
    let lastNumber = -1;
    for (let i = 0; i < 12; i++) {
      const query = nextPart(p);
      const { res, p: next } = await playlist(query);
      waits.push(res.ms);
      expect(res.headers['cache-control']).toBe('public, max-age=2');
      const [, msn, part] = /msn=(\d+)&_HLS_part=(\d+)/.exec(query)!.map(Number) as [number, number, number];
      const segment = next.segments.find((s) => s.msn === msn)!;
      // The part, or (a segment that ended before it: RFC 8216bis 6.2.5.2) part 0 of the next segment.
      const has = segment.parts.length > part || (segment.uri !== null && (next.segments.find((s) => s.msn === msn + 1)?.parts.length ?? 0) > 0);
      expect(has, `${query} in ${JSON.stringify(next.segments.slice(-2))}`).toBe(true);
      // Parts are numbered without gaps, and the hint names the one after the newest.
      const numbers = allParts(next).map((x) => Number(/-(\d+)\.m4s$/.exec(x.uri)![1]));
      expect(numbers).toEqual(numbers.map((_, k) => numbers[0]! + k));
      expect(next.preloadHint).toMatch(new RegExp(`-${numbers.at(-1)! + 1}\\.m4s$`));
      expect(numbers.at(-1)!).toBeGreaterThan(lastNumber);
      lastNumber = numbers.at(-1)!;
      p = next;
    }
    const sorted = [...waits].sort((a, b) => a - b);
    const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
    console.log(`[hls] blocking reload for the next part: mean ${mean.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)} ms (parts every 200 ms)`);
    // Each answer comes when the next part is made (every 200 ms), not after a poll interval.
    expect(mean).toBeGreaterThan(150);
    expect(mean).toBeLessThan(260);
    expect(sorted.at(-1)!).toBeLessThan(450);
  });

  it('serves the preload-hinted part as soon as it exists, whole, and the same bytes later', async () => {
    const { p } = await playlist();
    const hinted = await get(`/hls/demo/${p.preloadHint!}`);
    console.log(`[hls] preload-hinted part answered after ${hinted.ms.toFixed(0)} ms`);
    expect(hinted.status).toBe(200);
    expect(hinted.ms).toBeLessThan(400);
    expect(hinted.headers['content-type']).toBe('video/iso.segment');
    expect(hinted.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const boxes = inspect(hinted.body);
    expect(boxes.map((b) => b.type)).toEqual(['moof', 'mdat']);
    expect((findBoxes(boxes, 'trun')[0]!.samples as unknown[]).length).toBe(6);
    const again = await get(`/hls/demo/${p.preloadHint!}`);
    expect(again.body.equals(hinted.body)).toBe(true);
    expect(again.headers.etag).toBe(hinted.headers.etag);
    expect(again.ms).toBeLessThan(100);
  });

  it('a complete segment is its parts back to back; Range gives 206, 416 past the end; If-None-Match gives 304', async () => {
    await sleep(2100);
    const { p } = await playlist();
    const seg = p.segments.find((s) => s.uri !== null && s.parts.length > 0)!;
    const full = await get(`/hls/demo/${seg.uri!}`);
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    const parts = await Promise.all(seg.parts.map((x) => get(`/hls/demo/${x.uri}`)));
    expect(Buffer.concat(parts.map((r) => r.body)).equals(full.body)).toBe(true);
    expect(seg.duration).toBeCloseTo(seg.parts.reduce((n, x) => n + x.duration, 0), 4);

    const size = full.body.byteLength;
    const head = await get(`/hls/demo/${seg.uri!}`, { range: 'bytes=0-99' });
    expect(head.status).toBe(206);
    expect(head.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(head.body.equals(full.body.subarray(0, 100))).toBe(true);
    const tail = await get(`/hls/demo/${seg.uri!}`, { range: 'bytes=-50' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(full.body.subarray(size - 50))).toBe(true);
    const past = await get(`/hls/demo/${seg.uri!}`, { range: `bytes=${size}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${size}`);
    expect(past.headers['access-control-allow-origin']).toBe('*');
    // Several ranges, or If-Range for another representation: the whole resource (RFC 9110 14.2, 13.1.5).
    expect((await get(`/hls/demo/${seg.uri!}`, { range: 'bytes=0-1,5-6' })).status).toBe(200);
    expect((await get(`/hls/demo/${seg.uri!}`, { range: 'bytes=0-1', 'if-range': '"other"' })).status).toBe(200);

    const cached = await get(`/hls/demo/${seg.uri!}`, { 'if-none-match': full.headers.etag! });
    expect(cached.status).toBe(304);
    expect(cached.body.byteLength).toBe(0);
    expect(cached.headers.etag).toBe(full.headers.etag);
    expect(cached.headers['access-control-allow-origin']).toBe('*');
    const stale = await get(`/hls/demo/${seg.uri!}`, { 'if-none-match': '"something-else"' });
    expect(stale.status).toBe(200);
  });

  it('the playlist has a content ETag (304 while unchanged) and gzip when asked', async () => {
    // An old part's blocking request is answered at once; two in a row within a part interval match.
    const { p } = await playlist();
    const query = `?_HLS_msn=${p.segments[0]!.msn}&_HLS_part=0`;
    let a: HttpResult;
    let b: HttpResult;
    do {
      a = await get(`/hls/demo/index.m3u8${query}`);
      b = await get(`/hls/demo/index.m3u8${query}`, { 'if-none-match': a.headers.etag! });
    } while (b.status === 200 && b.body.toString() !== a.body.toString()); // a part landed in between
    expect(b.status).toBe(304);
    const zipped = await get('/hls/demo/index.m3u8', { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(zipped.body).toString()).toMatch(/^#EXTM3U\n/);
    expect(zipped.headers.etag).toMatch(/-gz"$/);
  });

  it('HEAD gives the headers of GET without a body; OPTIONS is a CORS preflight', async () => {
    const { p } = await playlist();
    const uri = allParts(p)[0]!.uri;
    const got = await get(`/hls/demo/${uri}`);
    const head = await get(`/hls/demo/${uri}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(head.headers['content-length']).toBe(String(got.body.byteLength));
    expect(head.headers.etag).toBe(got.headers.etag);
    const headPlaylist = await get('/hls/demo/index.m3u8', {}, 'HEAD');
    expect(headPlaylist.status).toBe(200);
    expect(headPlaylist.body.byteLength).toBe(0);
    expect(Number(headPlaylist.headers['content-length'])).toBeGreaterThan(100);

    const preflight = await get('/hls/demo/index.m3u8', { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    expect(preflight.headers['access-control-allow-headers']).toContain('Range');
    expect(got.headers['access-control-expose-headers']).toContain('Content-Range');
    expect((await get('/hls/demo/index.m3u8', {}, 'POST')).status).toBe(405);
  });

  it('400 for delivery directives the spec refuses, at once', async () => {
    const { p } = await playlist();
    const last = p.segments.at(-1)!;
    for (const query of [
      '?_HLS_part=1', // _HLS_part without _HLS_msn (6.2.5.2)
      '?_HLS_msn=abc',
      `?_HLS_msn=${last.msn + 3}`, // more than two segments past the last one
      `?_HLS_msn=${last.msn}&_HLS_part=${last.parts.length + 20}`, // past the Advance Part Limit (~15 parts)
    ]) {
      const res = await get(`/hls/demo/index.m3u8${query}`);
      expect(res.status, query).toBe(400);
      expect(res.ms, query).toBeLessThan(100);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
  });

  it('404 for unknown streams and files, 400 for traversal and bad names', async () => {
    const { p } = await playlist();
    const run = /^part-([0-9a-f]+)-/.exec(p.preloadHint!)![1]!;
    const hint = Number(/-(\d+)\.m4s$/.exec(p.preloadHint!)![1]);
    const cases: [string, number][] = [
      ['/hls/nosuch/index.m3u8', 404],
      ['/hls/demo/other.m3u8', 404],
      ['/hls/demo/', 404],
      [`/hls/demo/part-${run}-${hint + 5}.m4s`, 404], // not hinted: answered at once
      [`/hls/demo/seg-${run}-999999.m4s`, 404],
      [`/hls/demo/init-${run}-77.mp4`, 404],
      ['/hls/demo/part-0123456789-1.m4s', 404], // another server run's name
      [`/hls/demo/init-${run}-0.m4s`, 404],
      ['/hls/../etc/passwd', 400],
      ['/hls/%2e%2e/index.m3u8', 400],
      ['/hls/demo/..%2f..%2fpackage.json', 400],
      ['/hls/demo/%E0%A4%A', 400],
      ['/hls/bad%20name/index.m3u8', 400],
    ];
    for (const [path, status] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(res.ms, path).toBeLessThan(150);
      expect(res.headers['access-control-allow-origin'], path).toBe('*');
    }
  });

  it('a stalled source: the blocking reload and the hinted part give up with 503 after the timeout', async () => {
    const aus = fixtureAccessUnits(NOAUD_FIXTURE);
    const feed = (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const au: AccessUnit = { ...aus[i % aus.length]!, dts: i * 3000, pts: i * 3000, duration: 3000, captureTimeMs: Date.now() };
        manual.accessUnit(au);
      }
    };
    // Nothing yet: the first request waits for a first part, then says to retry.
    const empty = await get('/hls/manual/index.m3u8');
    expect(empty.status).toBe(503);
    expect(empty.headers['retry-after']).toBe('1');
    expect(empty.ms).toBeGreaterThan(BLOCK_TIMEOUT_MS - 50);
    expect(empty.ms).toBeLessThan(BLOCK_TIMEOUT_MS + 500);

    // A request that finds none waits: it is answered as soon as the first segment (one GOP) is complete.
    const waiting = get('/hls/manual/index.m3u8');
    await sleep(300);
    feed(0, 40);
    const first = await waiting;
    expect(first.status).toBe(200);
    expect(first.ms).toBeGreaterThan(250);
    expect(first.ms).toBeLessThan(600);
    const p = parsePlaylist(first.body.toString());
    expect(p.segments[0]!.uri).not.toBeNull();
    expect(allParts(p).length).toBeGreaterThan(0);
    const [reload, hinted] = await Promise.all([get(`/hls/manual/index.m3u8${nextPart(p)}`), get(`/hls/manual/${p.preloadHint!}`)]);
    for (const res of [reload, hinted]) {
      expect(res.status).toBe(503);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.ms).toBeGreaterThan(BLOCK_TIMEOUT_MS - 50);
      expect(res.ms).toBeLessThan(BLOCK_TIMEOUT_MS + 500);
    }
    // The source comes back: the same requests are answered.
    const pending = get(`/hls/manual/${p.preloadHint!}`);
    await sleep(100);
    feed(40, 12);
    expect((await pending).status).toBe(200);
  });

  it('holds one viewer demand while HLS clients ask and releases it after hlsIdleTimeoutMs; the packager is no viewer', async () => {
    const idle = await startServer({ host: '127.0.0.1', port: 0, streams: { demo: 'demo' }, hlsIdleTimeoutMs: 600 }, { logger: testLogger });
    try {
      const stream = idle.streams.get('demo')!;
      await sleep(1200);
      // Packaging runs from the start (a playlist is ready for the first client), as an internal consumer.
      expect(stream.viewerCount).toBe(0);
      expect(stream.snapshot().viewers).toBe(0);
      expect(stream.demand.current).toBe(0);
      const first = await httpRequest(idle.url, '/hls/demo/index.m3u8');
      expect(first.status).toBe(200);
      expect(first.ms).toBeLessThan(300);
      expect(stream.demand.current).toBe(1);
      await sleep(300);
      await httpRequest(idle.url, '/hls/demo/index.m3u8');
      expect(stream.demand.current).toBe(1); // one demand for all HLS clients of a stream
      await sleep(1800);
      expect(stream.demand.current).toBe(0);
      await httpRequest(idle.url, '/hls/demo/index.m3u8');
      expect(stream.demand.current).toBe(1);
    } finally {
      await idle.close();
    }
  });
});
