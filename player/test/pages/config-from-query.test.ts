import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/config.js';
import { configFromQuery } from '../../src/pages/page-player.js';

describe('configFromQuery (page URL → player config)', () => {
  it('?fallback=hls forces LL-HLS; fw.* keys are typed like their defaults, strings included', () => {
    const c = configFromQuery('?fallback=hls&fw.hlsUrl=/cdn/cam.m3u8&fw.wsConnectTimeoutMs=1500&fw.debug=1');
    expect(c).toEqual({ fallback: 'hls', hlsUrl: '/cdn/cam.m3u8', wsConnectTimeoutMs: 1500, debug: true });
    expect(mergeConfig(c).fallback).toBe('hls');
  });

  it('fw.fallback works too, and a bad value is refused by mergeConfig', () => {
    expect(configFromQuery('?fw.fallback=native')).toEqual({ fallback: 'native' });
    expect(() => mergeConfig(configFromQuery('?fallback=carrier-pigeon'))).toThrow(/config.fallback/);
  });
});
