import { describe, expect, it } from 'vitest';
import { gridColumns, gridStreamsFromQuery } from '../../src/pages/grid-layout.js';

describe('grid page layout', () => {
  it('reads ?streams= as a comma list', () => {
    expect(gridStreamsFromQuery('?streams=a,b,,c%20')).toEqual(['a', 'b', 'c']);
    expect(gridStreamsFromQuery('?streams=cam,cam')).toEqual(['cam', 'cam']);
    expect(gridStreamsFromQuery('?streams=')).toEqual([]);
    expect(gridStreamsFromQuery('')).toBeNull();
  });
  it('lays n players out in the smallest square', () => {
    expect([1, 2, 4, 5, 9, 10, 16].map(gridColumns)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });
});
