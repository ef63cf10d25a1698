import { describe, expect, it } from 'vitest';
import { configFromArgs } from '../src/cli.js';
import { defaultServerConfig, resolveServerConfig, streamConfig } from '../src/config.js';

const LAVFI = 'ffmpeg:-re -f lavfi -i testsrc2=size=320x240:rate=30';

describe('on-demand streams in the config', () => {
  it('accepts "onDemand" for ffmpeg-backed and file sources; false is the default and is dropped', () => {
    const config = resolveServerConfig({
      streams: {
        a: { source: LAVFI, onDemand: true },
        b: { source: 'file:/videos/clip.mp4', onDemand: true },
        c: { source: 'file:/videos/clip.h264', onDemand: true },
        d: { source: 'camera:/dev/video0', onDemand: true },
        e: { source: 'rtsp://10.0.0.2/stream', onDemand: true },
        f: { source: 'rtsp://10.0.0.2/stream', onDemand: false },
      },
    });
    expect(streamConfig(config.streams.a!)).toEqual({ source: LAVFI, onDemand: true });
    expect(Object.values(config.streams).filter((e) => streamConfig(e).onDemand === true)).toHaveLength(5);
    expect(streamConfig(config.streams.f!)).toEqual({ source: 'rtsp://10.0.0.2/stream' });
    expect(defaultServerConfig.onDemandCloseAfterMs).toBe(10_000);
    expect(defaultServerConfig.onDemandStartTimeoutMs).toBe(10_000);
  });

  it.each([
    ['demo', /"onDemand" needs a source that can start when a viewer comes.*"demo" is always on/],
    ['stdin', /"onDemand" needs.*"stdin" is always on/],
    ['publish', /"onDemand" needs.*"publish" is always on/],
    ['srt://0.0.0.0:9000?mode=listener&passphrase=0123456789', /"onDemand" needs.*passphrase=\*\*\*" is always on/],
    ['rtmp://0.0.0.0:1935/live/KEY?listen=1', /"onDemand" needs/],
  ])('refuses "onDemand" for %s, naming the stream and the key', (source, message) => {
    expect(() => resolveServerConfig({ streams: { cam: { source, onDemand: true } } })).toThrow(
      expect.objectContaining({ code: 'SRV_ERR_CONFIG_INVALID', key: 'cam', message: expect.stringMatching(message) }),
    );
  });

  it('refuses a non-boolean "onDemand" and bad close/start delays', () => {
    expect(() => resolveServerConfig({ streams: { cam: { source: LAVFI, onDemand: 'yes' } } } as never)).toThrow(
      expect.objectContaining({ key: 'cam', message: 'config: streams.cam.onDemand: must be true or false, got "yes"' }),
    );
    for (const key of ['onDemandCloseAfterMs', 'onDemandStartTimeoutMs']) {
      expect(() => resolveServerConfig({ [key]: -1 })).toThrow(expect.objectContaining({ code: 'SRV_ERR_CONFIG_INVALID', key }));
      expect(() => resolveServerConfig({ [key]: 1.5 })).toThrow(expect.objectContaining({ key }));
      expect(resolveServerConfig({ [key]: 0 })[key as 'onDemandCloseAfterMs']).toBe(0);
    }
  });

  it('--on-demand NAME makes a --stream (or config) stream on demand', async () => {
    const config = await configFromArgs(['serve', '--stream', `cam=${LAVFI}`, '--stream', 'demo=demo', '--on-demand', 'cam'], {});
    if (config === 'help') throw new Error('help');
    expect(config.streams).toEqual({ cam: { source: LAVFI, onDemand: true }, demo: 'demo' });
  });

  it('--on-demand refuses unknown streams and streams that are always on', async () => {
    await expect(configFromArgs(['serve', '--stream', `cam=${LAVFI}`, '--on-demand', 'nope'], {})).rejects.toMatchObject({
      code: 'SRV_ERR_CONFIG_INVALID',
      message: expect.stringMatching(/--on-demand expects the NAME of a stream.*"nope"/),
    });
    await expect(configFromArgs(['serve', '--stream', 'pub=publish', '--on-demand', 'pub'], {})).rejects.toMatchObject({
      code: 'SRV_ERR_CONFIG_INVALID',
      key: 'pub',
      message: expect.stringMatching(/"onDemand" needs/),
    });
  });
});
