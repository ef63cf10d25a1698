import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index.js';
import { sleep, testLogger } from '../support/fixtures.js';
import { allParts, findBoxes, httpRequest, inspect, parsePlaylist, type ParsedPlaylist } from '../support/hls.js';

const run = promisify(execFile);

/**
 * An independent client reads the LL-HLS output: ffmpeg's HLS demuxer (which ignores parts and
 * plays the segments) decodes it without an error, frame for frame, at the source's size.
 */
describe('LL-HLS read by ffmpeg and ffprobe', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(
      {
        host: '127.0.0.1',
        port: 0,
        streams: {
          demo: 'demo',
          // x264 through ffmpeg's FLV, GOP 60 (2 s), no B-frames.
          live: 'ffmpeg:-re -f lavfi -i testsrc2=size=320x240:rate=30',
          // Two B-frames: decode order ≠ presentation order, composition offsets in every part.
          bframes: 'ffmpeg:-re -f lavfi -i testsrc2=size=320x240:rate=30 -c:v libx264 -preset ultrafast -bf 2 -g 30 -pix_fmt yuv420p',
        },
      },
      { logger: testLogger },
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const url = (name: string) => `${server.url}hls/${name}/index.m3u8`;

  /** ffmpeg plays segments only: wait until the playlist lists one. */
  async function untilSegment(name: string): Promise<ParsedPlaylist> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const res = await httpRequest(server.url, `/hls/${name}/index.m3u8`);
      if (res.status === 200) {
        const p = parsePlaylist(res.body.toString());
        if (p.segments.some((s) => s.uri !== null)) return p;
      }
      if (performance.now() > deadline) throw new Error(`no segment in /hls/${name}/index.m3u8 (last status ${res.status})`);
      await sleep(200);
    }
  }

  /** Three seconds decoded by ffmpeg: frame count and everything it logged at level error. */
  async function decode3s(name: string): Promise<{ frames: number; errors: string }> {
    const { stdout, stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', url(name), '-t', '3', '-f', 'framemd5', '-'], { timeout: 20_000, maxBuffer: 8 << 20 });
    return { frames: stdout.split('\n').filter((l) => l.length > 0 && !l.startsWith('#')).length, errors: stderr };
  }

  async function probe(name: string): Promise<Record<string, unknown>> {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,r_frame_rate', '-of', 'json', url(name)], { timeout: 20_000 });
    return (JSON.parse(stdout) as { streams: Record<string, unknown>[] }).streams[0]!;
  }

  it('ffmpeg decodes 3 s of the 320x240 lavfi stream: 90 frames, no errors', async () => {
    const p = await untilSegment('live');
    expect(p.targetDuration).toBe(2); // GOP 60 at 30 fps: 2 s segments
    const { frames, errors } = await decode3s('live');
    expect(errors).toBe('');
    expect(frames).toBe(90);
    expect(await probe('live')).toMatchObject({ codec_name: 'h264', width: 320, height: 240, r_frame_rate: '30/1' });
  });

  it('ffmpeg decodes 3 s of the 1280x720 demo: 90 frames, no errors', async () => {
    await untilSegment('demo');
    const { frames, errors } = await decode3s('demo');
    expect(errors).toBe('');
    expect(frames).toBe(90);
    expect(await probe('demo')).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
  });

  it('B-frames: parts carry composition offsets, and ffmpeg decodes them in order without errors', async () => {
    const p = await untilSegment('bframes');
    const part = await httpRequest(server.url, `/hls/bframes/${allParts(p).at(-1)!.uri}`);
    const samples = findBoxes(inspect(part.body), 'trun')[0]!.samples as { compositionTimeOffset: number }[];
    expect(samples.some((s) => s.compositionTimeOffset > 0)).toBe(true);
    const { frames, errors } = await decode3s('bframes');
    expect(errors).toBe('');
    expect(frames).toBe(90);
    // Presentation timestamps of the decoded frames only go forward.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+2', '-show_entries', 'frame=pts', '-of', 'csv=p=0', url('bframes')], { timeout: 20_000 });
    // One line per frame (`pts`, then side-data fields on some lines): the first field.
    const pts = stdout.split('\n').filter(Boolean).map((line) => Number(line.split(',')[0]));
    expect(pts.every(Number.isFinite), stdout.slice(0, 300)).toBe(true);
    expect(pts.length).toBeGreaterThan(30);
    for (let i = 1; i < pts.length; i++) expect(pts[i]!).toBeGreaterThan(pts[i - 1]!);
  });
});
