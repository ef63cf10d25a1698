import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, type Command } from '../../src/cli.js';
import { envName, flagName } from '../../src/config/env.js';
import { CONFIG_KEYS, defaultServerConfig, type ServerConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-layers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function config(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerConfig> {
  const parsed: Command = await parseCommandLine(['serve', ...argv], env);
  if (parsed.command === 'help') throw new Error('help');
  return parsed.config;
}

/** The error's message, for asserting on the whole text. */
async function failure(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: string; key: string; message: string }> {
  try {
    await config(argv, env);
  } catch (err) {
    return err as { code: string; key: string; message: string };
  }
  throw new Error('expected a config error');
}

describe('config layers: flags > environment > file > defaults', () => {
  const yaml = file('framewire.yaml', ['# yaml-language-server: $schema=../framewire.schema.json', 'port: 9000', 'logLevel: warn', 'hlsPartTargetMs: 250', 'streams:', '  cam: rtsp://10.0.0.2/stream', ''].join('\n'));

  it('takes each key from the highest layer that sets it', async () => {
    expect((await config(['--config', yaml])).port).toBe(9000);
    expect((await config(['--config', yaml], { FRAMEWIRE_PORT: '9001' })).port).toBe(9001);
    expect((await config(['--config', yaml, '--port', '9002'], { FRAMEWIRE_PORT: '9001' })).port).toBe(9002);
    expect((await config(['--config', yaml, '--set', 'port=9003'], { FRAMEWIRE_PORT: '9001' })).port).toBe(9003);
    // Other keys keep their own layer.
    const mixed = await config(['--config', yaml, '--log-level', 'error'], { FRAMEWIRE_HLS_PART_TARGET_MS: '300' });
    expect(mixed).toMatchObject({ port: 9000, logLevel: 'error', hlsPartTargetMs: 300, host: defaultServerConfig.host });
  });

  it('FRAMEWIRE_CONFIG names the file when --config is absent; --config wins over it', async () => {
    const other = file('other.yaml', 'port: 7000\n');
    expect((await config([], { FRAMEWIRE_CONFIG: yaml })).port).toBe(9000);
    expect((await config(['--config', other], { FRAMEWIRE_CONFIG: yaml })).port).toBe(7000);
  });

  it('merges streams by name across layers; the demo default applies only when no layer names a stream', async () => {
    expect((await config([])).streams).toEqual({ demo: 'demo' });
    const streams = (await config(['--config', yaml, '--stream', 'b=demo'], { FRAMEWIRE_STREAMS: '{a: demo, cam: "rtsp://10.0.0.3/x"}' })).streams;
    expect(streams).toEqual({ cam: 'rtsp://10.0.0.3/x', a: 'demo', b: 'demo' });
    const json = (await config([], { FRAMEWIRE_STREAMS: '{"cam": {"source": "publish", "key": "s3cret"}}' })).streams;
    expect(json).toEqual({ cam: { source: 'publish', key: 's3cret' } });
    // --key and --on-demand change a stream of any layer.
    const keyed = (await config(['--key', 'cam=k2'], { FRAMEWIRE_STREAMS: '{cam: publish}' })).streams;
    expect(keyed).toEqual({ cam: { source: 'publish', key: 'k2' } });
  });

  it('converts environment and flag text by the key type', async () => {
    const c = await config(['--metrics-allow-remote', 'true', '--player-dir', '/srv/player', '--idle-flush-ms', '0.5'], {
      FRAMEWIRE_LOG_FORMAT: 'pretty',
      FRAMEWIRE_FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg',
    });
    expect(c).toMatchObject({ metricsAllowRemote: true, playerDir: '/srv/player', idleFlushMs: 0.5, logFormat: 'pretty', ffmpegPath: '/opt/ffmpeg/bin/ffmpeg' });
    expect((await config([], { FRAMEWIRE_PLAYER_DIR: 'null' })).playerDir).toBeNull();
  });

  it('derives one environment variable and one flag per key (the documented rule)', () => {
    expect(envName('port')).toBe('FRAMEWIRE_PORT');
    expect(envName('hlsPartTargetMs')).toBe('FRAMEWIRE_HLS_PART_TARGET_MS');
    expect(envName('logLevel')).toBe('FRAMEWIRE_LOG_LEVEL');
    expect(flagName('maxViewerBufferedBytes')).toBe('max-viewer-buffered-bytes');
    expect(new Set(CONFIG_KEYS.map(envName)).size).toBe(CONFIG_KEYS.length);
  });

  it('ignores FRAMEWIRE_* variables that are not config keys (dev and test tools use some)', async () => {
    expect((await config([], { FRAMEWIRE_SERVER: 'http://x', FRAMEWIRE_TEST_LOG: 'debug' })).port).toBe(8080);
  });

  it('still reads the JSON config files of earlier versions (JSON is YAML), with a $schema key', async () => {
    const json = file('framewire.json', JSON.stringify({ $schema: './framewire.schema.json', host: '127.0.0.1', port: 9100, streams: { cam: { source: 'publish', key: 's3cret' } } }));
    expect(await config(['--config', json])).toMatchObject({ host: '127.0.0.1', port: 9100, streams: { cam: { source: 'publish', key: 's3cret' } } });
    expect((await config(['--config', file('empty.yaml', '# nothing set\n')])).port).toBe(8080);
  });
});

describe('config errors name the key and where it came from', () => {
  it.each([
    [[], { FRAMEWIRE_PORT: 'abc' }, 'port', 'config: port (from FRAMEWIRE_PORT): must be an integer 0..65535 (0 = any free port), got "abc"'],
    [['--port', '70000'], {}, 'port', 'config: port (from --port): must be an integer 0..65535 (0 = any free port), got 70000'],
    [['--set', 'logLevel=loud'], {}, 'logLevel', 'config: logLevel (from --set logLevel): must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [[], { FRAMEWIRE_HLS_WINDOW_SEGMENTS: '2' }, 'hlsWindowSegments', 'config: hlsWindowSegments (from FRAMEWIRE_HLS_WINDOW_SEGMENTS): must be an integer, 3–100, got 2'],
    [[], { FRAMEWIRE_METRICS_ALLOW_REMOTE: 'yes' }, 'metricsAllowRemote', 'config: metricsAllowRemote (from FRAMEWIRE_METRICS_ALLOW_REMOTE): must be true or false, got "yes"'],
    [['--set', 'prot=1'], {}, 'prot', 'config: prot (from --set prot): unknown key "prot" (did you mean "port"?)'],
    [['--stream', 'cam=carrier-pigeon'], {}, 'cam', /^config: streams\.cam \(from --stream\): cannot use source "carrier-pigeon"/],
    [[], { FRAMEWIRE_STREAMS: '{a: demo' }, 'streams', /^config: streams \(from FRAMEWIRE_STREAMS\): not valid YAML or JSON: Flow map must end with a \}/],
    [[], { FRAMEWIRE_STREAMS: '[cam]' }, 'streams', 'config: streams (from FRAMEWIRE_STREAMS): must be an object {NAME: SOURCE or {source, key, onDemand}}, got ["cam"]'],
  ] as const)('%j %j → %s', async (argv, env, key, message) => {
    const err = await failure([...argv], { ...env });
    expect(err.key).toBe(key);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  it('points at the line of the file, and lists every bad value', async () => {
    const bad = file('bad.yaml', ['port: 70000', 'logFormat: xml', 'streams:', '  cam: {source: demo, onDemand: yes}', '  "bad name": demo', 'heartbeatIntervalMs: 0', ''].join('\n'));
    const err = await failure(['--config', bad]);
    expect(err.message.split('\n')).toEqual([
      `config: port (from ${bad}:1): must be an integer 0..65535 (0 = any free port), got 70000`,
      `config: streams.cam.onDemand (from ${bad}:4): must be true or false, got "yes"`,
      `config: streams.bad name (from ${bad}:5): stream name "bad name" must match ^[A-Za-z0-9_-]{1,64}$`,
      `config: logFormat (from ${bad}:2): must be one of json, pretty, got "xml"`,
      `config: heartbeatIntervalMs (from ${bad}:6): must be a positive integer (ms), got 0`,
    ]);
    expect(err).toMatchObject({ code: 'SRV_ERR_CONFIG_INVALID', key: 'port' });
  });

  it('refuses YAML that does not parse, and a file that is not a mapping, with SRV_ERR_CONFIG_FILE', async () => {
    const broken = file('broken.yaml', 'port: [1\n');
    expect(await failure(['--config', broken])).toMatchObject({ code: 'SRV_ERR_CONFIG_FILE', message: expect.stringMatching(/^config file .*broken\.yaml is not valid YAML or JSON: .*line 2, column 1$/) });
    expect(await failure(['--config', file('dup.yaml', 'port: 1\nport: 2\n')])).toMatchObject({ code: 'SRV_ERR_CONFIG_FILE', message: expect.stringMatching(/Map keys must be unique/) });
    expect(await failure(['--config', file('list.yaml', '- port\n')])).toMatchObject({ code: 'SRV_ERR_CONFIG_FILE', message: expect.stringMatching(/must hold a mapping/) });
  });

  it('never echoes a publish key, and masks URL passwords', async () => {
    const err = await failure([], { FRAMEWIRE_STREAMS: '{cam: {source: publish, key: "my secret"}}' });
    expect(err.message).toBe('config: streams.cam.key (from FRAMEWIRE_STREAMS): must be 1–256 printable ASCII characters without spaces');
    const url = await failure([], { FRAMEWIRE_STREAMS: '{cam: {source: "rtsp://u:hunter2@cam/x", onDemand: 1}}' });
    expect(url.message).not.toContain('hunter2');
    expect(url.message).toBe('config: streams.cam.onDemand (from FRAMEWIRE_STREAMS): must be true or false, got 1');
  });
});
