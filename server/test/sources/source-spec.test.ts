import { describe, expect, it } from 'vitest';
import { hasVideoCodecArg } from '../../src/sources/ffmpeg-source.js';
import { parseSourceSpec } from '../../src/sources/source-spec.js';

describe('parseSourceSpec', () => {
  it('parses every documented SOURCE form', () => {
    expect(parseSourceSpec('demo')).toEqual({ kind: 'demo' });
    expect(parseSourceSpec('stdin')).toEqual({ kind: 'stdin' });
    expect(parseSourceSpec('file:/videos/a b.mp4')).toEqual({ kind: 'file', path: '/videos/a b.mp4' });
    expect(parseSourceSpec('ffmpeg:-re -f lavfi  -i testsrc2=size=640x360:rate=30')).toEqual({
      kind: 'ffmpeg',
      args: ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
    });
    for (const url of ['rtsp://cam/1', 'rtmp://host/app/key', 'srt://host:9000', 'http://h/x.ts', 'https://h/x.m3u8']) {
      expect(parseSourceSpec(url)).toEqual({ kind: 'url', url });
    }
  });

  it('refuses anything else with SRV_ERR_SOURCE_INVALID and the stream name as key', () => {
    for (const bad of ['', 'file:', 'ffmpeg:-re', 'ftp://x', 'camera0', 'publish']) {
      expect(() => parseSourceSpec(bad, 'cam')).toThrow(expect.objectContaining({ code: 'SRV_ERR_SOURCE_INVALID', key: 'cam' }));
    }
  });

  it('detects a video codec choice in ffmpeg arguments', () => {
    expect(hasVideoCodecArg(['-i', 'x', '-c:v', 'copy'])).toBe(true);
    expect(hasVideoCodecArg(['-i', 'x', '-vcodec', 'libx264'])).toBe(true);
    expect(hasVideoCodecArg(['-f', 'lavfi', '-i', 'testsrc2'])).toBe(false);
  });
});
