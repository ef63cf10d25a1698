import { describe, expect, it } from 'vitest';
import { hasVideoCodecArg } from '../../src/sources/ffmpeg-source.js';
import { isListenerUrl, parseSourceSpec } from '../../src/sources/source-spec.js';

describe('parseSourceSpec', () => {
  it('parses every documented SOURCE form', () => {
    expect(parseSourceSpec('demo')).toEqual({ kind: 'demo' });
    expect(parseSourceSpec('stdin')).toEqual({ kind: 'stdin' });
    expect(parseSourceSpec('file:/videos/a b.mp4')).toEqual({ kind: 'file', path: '/videos/a b.mp4', loop: true });
    expect(parseSourceSpec('ffmpeg:-re -f lavfi  -i testsrc2=size=640x360:rate=30')).toEqual({
      kind: 'ffmpeg',
      args: ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
    });
    for (const url of ['rtsp://cam/1', 'rtmp://host/app/key', 'srt://host:9000', 'http://h/x.ts', 'https://h/x.m3u8']) {
      expect(parseSourceSpec(url)).toEqual({ kind: 'url', url });
    }
  });

  it('refuses anything else with SRV_ERR_SOURCE_INVALID and the stream name as key', () => {
    for (const bad of ['', 'file:', 'ffmpeg:-re', 'ftp://x', 'camera0']) {
      expect(() => parseSourceSpec(bad, 'cam')).toThrow(expect.objectContaining({ code: 'SRV_ERR_SOURCE_INVALID', key: 'cam' }));
    }
  });

  it('detects a video codec choice in ffmpeg arguments', () => {
    expect(hasVideoCodecArg(['-i', 'x', '-c:v', 'copy'])).toBe(true);
    expect(hasVideoCodecArg(['-i', 'x', '-vcodec', 'libx264'])).toBe(true);
    expect(hasVideoCodecArg(['-f', 'lavfi', '-i', 'testsrc2'])).toBe(false);
  });
});

describe('isListenerUrl', () => {
  it('recognises inputs that wait for a pushing peer, which must not be probed', () => {
    expect(isListenerUrl('srt://0.0.0.0:9000?mode=listener')).toBe(true);
    expect(isListenerUrl('srt://0.0.0.0:9000?latency=20000&mode=listener')).toBe(true);
    expect(isListenerUrl('rtmp://0.0.0.0:1935/live/key?listen=1')).toBe(true);
    expect(isListenerUrl('srt://cam.local:9000?mode=caller')).toBe(false);
    expect(isListenerUrl('rtsp://cam.local/stream?listener=no')).toBe(false);
  });
});
