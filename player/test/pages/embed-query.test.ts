import { describe, expect, it } from 'vitest';
import { configFromQuery } from '../../src/pages/page-player.js';

describe('configFromQuery: the /embed/NAME options', () => {
  it('?autoplay=0 (or false) turns the player autoPlay off; anything else leaves it on', () => {
    expect(configFromQuery('?autoplay=0')).toEqual({ autoPlay: false });
    expect(configFromQuery('?muted=1&autoplay=false')).toEqual({ autoPlay: false });
    expect(configFromQuery('?autoplay=1')).toEqual({ autoPlay: true });
    expect(configFromQuery('?muted=1&controls=1&stats=1')).toEqual({});
  });
});
