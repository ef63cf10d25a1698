import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, defaultServerConfig } from '../../src/config.js';
import { ensureBuilt, runFramewire } from '../support/built-server.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-cmd-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('framewire config (the real command)', () => {
  it('prints the effective config as YAML with file, env and flags applied, origins as comments, secrets redacted', async () => {
    const file = join(dir, 'framewire.yaml');
    writeFileSync(file, ['port: 9000', 'logLevel: warn', 'streams:', '  cam: {source: publish, key: s3cret}', '  door: "rtsp://admin:hunter2@10.0.0.2/stream"', ''].join('\n'));
    const result = await runFramewire(['config', '--config', file, '--set', 'hlsPartTargetMs=300', '--stream', 'x=demo'], { FRAMEWIRE_PORT: '9001', FRAMEWIRE_LOG_FORMAT: 'pretty' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(CONFIG_KEYS);
    expect(printed).toEqual({
      ...defaultServerConfig,
      port: 9001,
      logLevel: 'warn',
      logFormat: 'pretty',
      hlsPartTargetMs: 300,
      streams: { cam: { source: 'publish', key: '***' }, door: 'rtsp://***@10.0.0.2/stream', x: 'demo' },
    });
    expect(result.stdout).not.toMatch(/s3cret|hunter2/);
    expect(result.stdout).toContain('port: 9001 # FRAMEWIRE_PORT\n');
    expect(result.stdout).toContain(`logLevel: warn # ${file}:2\n`);
    expect(result.stdout).toContain('hlsPartTargetMs: 300 # --set hlsPartTargetMs\n');
    expect(result.stdout).toContain('  x: demo # --stream\n');
    expect(result.stdout).toContain('host: 0.0.0.0\n'); // a default: no comment
  });

  it('exits 2 with the key and its origin on a bad value', async () => {
    const result = await runFramewire(['config'], { FRAMEWIRE_PORT: 'abc' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('framewire: config: port (from FRAMEWIRE_PORT): must be an integer 0..65535 (0 = any free port), got "abc"\nRun `framewire --help` for usage.\n');
  });

  it('--help lists every config key with its default; `framewire schema` prints the published schema', async () => {
    const help = await runFramewire(['--help']);
    expect(help.code).toBe(0);
    for (const key of CONFIG_KEYS) expect(help.stdout).toMatch(new RegExp(`^  ${key} +\\S`, 'm'));
    expect(help.stdout).toContain('framewire config');
    expect(help.stdout).toContain('FRAMEWIRE_HLS_PART_TARGET_MS=300');
    const schema = await runFramewire(['schema']);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'Framewire server configuration', additionalProperties: false });
  });
});
