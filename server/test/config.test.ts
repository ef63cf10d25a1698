import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromArgs } from '../src/cli.js';
import { defaultServerConfig, resolveServerConfig } from '../src/config.js';

describe('resolveServerConfig', () => {
  it('defaults to 0.0.0.0:8080 serving demo=demo', () => {
    const config = resolveServerConfig();
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, streams: { demo: 'demo' }, maxViewerBufferedBytes: 4 * 1024 * 1024, idleFlushMs: 2 });
    expect(config).toEqual({ ...defaultServerConfig });
  });

  it.each([
    [{ port: 70000 }, 'SRV_ERR_CONFIG_INVALID', 'port'],
    [{ port: -1 }, 'SRV_ERR_CONFIG_INVALID', 'port'],
    [{ logLevel: 'loud' }, 'SRV_ERR_CONFIG_INVALID', 'logLevel'],
    [{ maxViewerBufferedBytes: 0 }, 'SRV_ERR_CONFIG_INVALID', 'maxViewerBufferedBytes'],
    [{ prot: 1 }, 'SRV_ERR_CONFIG_INVALID', 'prot'],
    [{ streams: { 'bad name': 'demo' } }, 'SRV_ERR_STREAM_NAME_INVALID', 'bad name'],
    [{ streams: { x: 'carrier-pigeon' } }, 'SRV_ERR_SOURCE_INVALID', 'x'],
    [{ streams: { x: 'ffmpeg:-re' } }, 'SRV_ERR_SOURCE_INVALID', 'x'],
  ])('rejects %j with %s', (partial, code, key) => {
    expect(() => resolveServerConfig(partial as never)).toThrow(expect.objectContaining({ code, key }));
  });
});

describe('framewire CLI arguments', () => {
  it('parses serve with flags; --port 0 is allowed', async () => {
    const config = await configFromArgs(['serve', '--host', '127.0.0.1', '--port', '0', '--stream', 'a=demo', '--stream', 'b=ffmpeg:-re -f lavfi -i testsrc2', '--log-level', 'warn'], {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 0, logLevel: 'warn', streams: { a: 'demo', b: 'ffmpeg:-re -f lavfi -i testsrc2' } });
  });

  it('no arguments serve the demo; --help asks for help; env sets the log level', async () => {
    expect(await configFromArgs([], {})).toMatchObject({ port: 8080, streams: { demo: 'demo' } });
    expect(await configFromArgs(['--help'], {})).toBe('help');
    expect(await configFromArgs(['serve', '-h'], {})).toBe('help');
    expect(await configFromArgs(['serve'], { FRAMEWIRE_LOG_LEVEL: 'debug' })).toMatchObject({ logLevel: 'debug' });
  });

  it('reads a JSON --config file; flags override it and --stream adds to its streams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-cfg-'));
    try {
      const file = join(dir, 'framewire.json');
      writeFileSync(file, JSON.stringify({ host: '127.0.0.1', port: 9000, streams: { cam: 'rtsp://10.0.0.2/stream' } }));
      const config = await configFromArgs(['serve', '--config', file, '--port', '0', '--stream', 'demo=demo'], {});
      expect(config).toMatchObject({ host: '127.0.0.1', port: 0, streams: { cam: 'rtsp://10.0.0.2/stream', demo: 'demo' } });

      writeFileSync(file, '{ not json');
      await expect(configFromArgs(['serve', '--config', file], {})).rejects.toMatchObject({ code: 'SRV_ERR_CONFIG_FILE' });
      await expect(configFromArgs(['serve', '--config', join(dir, 'missing.json')], {})).rejects.toMatchObject({ code: 'SRV_ERR_CONFIG_FILE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad input with stable codes', async () => {
    await expect(configFromArgs(['serve', '--port', 'eighty'], {})).rejects.toMatchObject({ code: 'SRV_ERR_CONFIG_INVALID', key: 'port' });
    await expect(configFromArgs(['serve', '--stream', 'nodelimiter'], {})).rejects.toMatchObject({ code: 'SRV_ERR_CONFIG_INVALID' });
    await expect(configFromArgs(['publish'], {})).rejects.toMatchObject({ code: 'SRV_ERR_CONFIG_INVALID', key: 'command' });
    await expect(configFromArgs(['serve', '--bogus'], {})).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});
