import { describe, expect, it } from 'vitest';
import { hlsPlaylistUrl } from '../../src/fallback/hls-url.js';

describe('hlsPlaylistUrl', () => {
  it('maps /live/NAME on the socket host to /hls/NAME/index.m3u8 over HTTP(S)', () => {
    expect(hlsPlaylistUrl('ws://127.0.0.1:8080/live/cam')).toBe('http://127.0.0.1:8080/hls/cam/index.m3u8');
    expect(hlsPlaylistUrl('wss://video.example/live/cam')).toBe('https://video.example/hls/cam/index.m3u8');
  });

  it('keeps a path prefix, an escaped name and the query (an access token)', () => {
    expect(hlsPlaylistUrl('wss://example.org/video/live/my%20cam?token=abc')).toBe('https://example.org/video/hls/my%20cam/index.m3u8?token=abc');
  });

  it('uses the configured URL when given, resolved against the page', () => {
    expect(hlsPlaylistUrl('ws://a/live/cam', '/cdn/cam.m3u8', 'https://site.example/watch/cam')).toBe('https://site.example/cdn/cam.m3u8');
    expect(hlsPlaylistUrl('ws://a/live/cam', 'https://cdn.example/x/index.m3u8')).toBe('https://cdn.example/x/index.m3u8');
  });
});
