import { describe, expect, it } from 'vitest';
import { configFromArgs } from '../../src/cli.js';
import { resolveServerConfig, streamConfig } from '../../src/config.js';

describe('stream entries as objects (publish keys)', () => {
  it('accepts {"source", "key"} next to the string form and keeps both', () => {
    const config = resolveServerConfig({ streams: { cam: { source: 'publish', key: 's3cret' }, demo: 'demo', open: 'publish' } });
    expect(config.streams).toEqual({ cam: { source: 'publish', key: 's3cret' }, demo: 'demo', open: 'publish' });
    expect(streamConfig(config.streams.demo!)).toEqual({ source: 'demo' });
    expect(streamConfig(config.streams.open!)).toEqual({ source: 'publish' });
  });

  it.each([
    [{ cam: { key: 'k' } }, /streams\.cam\.source: is missing \(must be a SOURCE string\)/],
    [{ cam: { source: 'publish', key: 'k', ondemand: true } }, /unknown key "ondemand"/],
    [{ cam: { source: 'publish', key: 'k', onDemand: true } }, /"onDemand" needs a source that can start when a viewer comes/],
    [{ cam: { source: 'demo', key: 'k' } }, /only used by publish streams/],
    [{ cam: { source: 'publish', key: '' } }, /printable ASCII/],
    [{ cam: { source: 'publish', key: 'has space' } }, /printable ASCII/],
    [{ cam: { source: 'publish', key: 42 } }, /printable ASCII/],
    [{ cam: 7 }, /SOURCE string or an object/],
    [{ cam: ['publish'] }, /SOURCE string or an object/],
  ])('refuses %j naming the stream', (streams, message) => {
    expect(() => resolveServerConfig({ streams } as never)).toThrow(expect.objectContaining({ code: 'SRV_ERR_CONFIG_INVALID', key: 'cam', message: expect.stringMatching(message) }));
  });

  it('refuses a bad SOURCE inside an object with SRV_ERR_SOURCE_INVALID', () => {
    expect(() => resolveServerConfig({ streams: { cam: { source: 'pubilsh' } } })).toThrow(expect.objectContaining({ code: 'SRV_ERR_SOURCE_INVALID', key: 'cam' }));
  });

  it('bounds publishMaxPayloadBytes and publishIdleTimeoutMs', () => {
    expect(() => resolveServerConfig({ publishMaxPayloadBytes: 0 })).toThrow(expect.objectContaining({ key: 'publishMaxPayloadBytes' }));
    expect(() => resolveServerConfig({ publishIdleTimeoutMs: -5 })).toThrow(expect.objectContaining({ key: 'publishIdleTimeoutMs' }));
  });
});

/** configFromArgs also returns words for other commands ('help', …): these tests expect a config. */
async function streamsFromArgs(args: string[]) {
  const config = await configFromArgs(['serve', ...args]);
  if (typeof config === 'string') throw new Error(`expected a config, got ${config}`);
  return config.streams;
}

describe('--stream NAME=publish --key NAME=KEY', () => {
  it('attaches the key to the publish stream', async () => {
    expect(await streamsFromArgs(['--stream', 'cam=publish', '--key', 'cam=s3cret', '--stream', 'demo=demo'])).toEqual({ cam: { source: 'publish', key: 's3cret' }, demo: 'demo' });
  });

  it('keeps "=" inside the key', async () => {
    expect((await streamsFromArgs(['--stream', 'cam=publish', '--key', 'cam=a=b'])).cam).toEqual({ source: 'publish', key: 'a=b' });
  });

  it.each([
    [['--stream', 'cam=publish', '--key', 'other=k'], /--key expects NAME=KEY/],
    [['--stream', 'cam=publish', '--key', 'cam'], /--key expects NAME=KEY/],
    [['--stream', 'cam=demo', '--key', 'cam=k'], /only used by publish streams/],
  ])('refuses %j', async (args, message) => {
    await expect(configFromArgs(['serve', ...args])).rejects.toThrow(message);
  });
});
