import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/config.js';
import { configFromAttributes, OBSERVED_ATTRIBUTES, PLAYER_ATTRIBUTES, serverFromScriptUrl, streamSocketUrl, type ObservedAttribute } from '../../src/element/element-attributes.js';

const PAGE = 'https://site.example/blog/post.html';

function attrs(values: Partial<Record<ObservedAttribute, string>>) {
  return configFromAttributes((name) => values[name] ?? null);
}

describe('streamSocketUrl', () => {
  it('plays a stream name from the server, else from the page origin', () => {
    expect(streamSocketUrl('demo', null, PAGE)).toBe('wss://site.example/live/demo');
    expect(streamSocketUrl('demo', 'http://127.0.0.1:8080/', PAGE)).toBe('ws://127.0.0.1:8080/live/demo');
    expect(streamSocketUrl(' cam_1 ', 'https://video.example', PAGE)).toBe('wss://video.example/live/cam_1');
  });
  it('keeps a path prefix of the server (behind a reverse proxy), with or without a trailing slash', () => {
    expect(streamSocketUrl('demo', 'https://site.example/framewire/', PAGE)).toBe('wss://site.example/framewire/live/demo');
    expect(streamSocketUrl('demo', 'https://site.example/framewire', PAGE)).toBe('wss://site.example/framewire/live/demo');
    expect(streamSocketUrl('demo', '/framewire/', PAGE)).toBe('wss://site.example/framewire/live/demo');
  });
  it('takes ws(s) URLs as they are and resolves other URLs against the page', () => {
    expect(streamSocketUrl('wss://v.example/live/a?token=x', null, PAGE)).toBe('wss://v.example/live/a?token=x');
    expect(streamSocketUrl('/live/demo', 'https://ignored.example/', PAGE)).toBe('wss://site.example/live/demo');
    expect(streamSocketUrl('../live/demo', null, PAGE)).toBe('wss://site.example/live/demo');
    expect(streamSocketUrl('http://h:8080/live/demo#x', null, PAGE)).toBe('ws://h:8080/live/demo');
  });
  it('maps the server page URLs /watch/NAME and /embed/NAME to the stream', () => {
    expect(streamSocketUrl('http://h:8080/watch/demo', null, PAGE)).toBe('ws://h:8080/live/demo');
    expect(streamSocketUrl('https://h/fw/embed/cam/', null, PAGE)).toBe('wss://h/fw/live/cam');
  });
  it('explains what is wrong instead of guessing', () => {
    expect(() => streamSocketUrl('', null, PAGE)).toThrow(/src is empty/);
    expect(() => streamSocketUrl('my stream', null, PAGE)).toThrow(/neither a stream name .* nor a URL/);
    expect(() => streamSocketUrl('ftp://h/live/x', null, PAGE)).toThrow(/not ftp:/);
    expect(() => streamSocketUrl('demo', 'http://[bad', PAGE)).toThrow(/^server="http:\/\/\[bad" is not a URL/);
  });
});

describe('configFromAttributes', () => {
  it('asks for nothing when no attribute is set', () => {
    expect(attrs({})).toEqual({ config: {}, problems: [] });
  });
  it('maps target-latency (seconds) to the LL-HLS target and keeps the config valid', () => {
    for (const s of ['0', '0.5', '1.5', '4', '30']) {
      const { config, problems } = attrs({ 'target-latency': s });
      expect(problems).toEqual([]);
      expect(config.hlsTargetLatency).toBe(Number(s));
      // What the element passes to the player must never throw in mergeConfig (hlsMaxLatency raised with it).
      expect(() => mergeConfig(config, () => {})).not.toThrow();
    }
  });
  it('reports a bad target-latency and leaves the default', () => {
    for (const bad of ['abc', '', '-1', '31', 'Infinity', '1.5s']) {
      const { config, problems } = attrs({ 'target-latency': bad });
      expect(config, bad).toEqual({});
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ attribute: 'target-latency', value: bad });
      expect(problems[0]!.reason).toContain(`target-latency="${bad}" is not a number of seconds`);
    }
  });
  it('accepts the fallback settings and reports others', () => {
    for (const f of ['auto', 'ws', 'hls', 'native']) expect(attrs({ fallback: f }).config.fallback).toBe(f);
    const { config, problems } = attrs({ fallback: 'webrtc' });
    expect(config.fallback).toBeUndefined();
    expect(problems[0]?.reason).toMatch(/fallback="webrtc" is not one of "auto", "ws", "hls", "native"/);
  });
  it('passes a token and never echoes a malformed one', () => {
    expect(attrs({ token: 'aaa.bbb.ccc' }).config.token).toBe('aaa.bbb.ccc');
    const { config, problems } = attrs({ token: 'has space' });
    expect(config.token).toBeUndefined();
    expect(problems[0]?.value).toBe('(hidden)');
    expect(JSON.stringify(problems)).not.toContain('has space');
  });
  it('restarts the player only for attributes that change what is played', () => {
    expect(OBSERVED_ATTRIBUTES.filter((a) => !PLAYER_ATTRIBUTES.has(a))).toEqual(['autoplay', 'muted', 'controls']);
  });
});

describe('serverFromScriptUrl', () => {
  it('is the directory the script was loaded from', () => {
    expect(serverFromScriptUrl('http://localhost:8080/framewire-player.js')).toBe('http://localhost:8080/');
    expect(serverFromScriptUrl('https://h.example/fw/framewire-player.js?v=2')).toBe('https://h.example/fw/');
    expect(serverFromScriptUrl('not a url')).toBeNull();
  });
});
