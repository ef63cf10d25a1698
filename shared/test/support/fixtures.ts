// Node-only test support (the shared package's sources stay free of Node imports).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures');

export const FIXTURES = {
  aud: 'testsrc-320x240-30-baseline-aud.h264',
  noaud: 'testsrc-320x240-30-baseline-noaud.h264',
  demo: 'demo-1280x720-30.h264',
} as const;

const cache = new Map<string, Uint8Array>();

/** Fixture bytes as a plain Uint8Array (not a pooled Buffer), cached per file. */
export function readFixture(name: string): Uint8Array {
  let data = cache.get(name);
  if (!data) {
    data = new Uint8Array(readFileSync(join(FIXTURES_DIR, name)));
    cache.set(name, data);
  }
  return data;
}

export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'framewire-h264-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg quietly; throws with its stderr on failure. */
export function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `ffprobe -show_streams` of the first video stream, as key → value. */
export function ffprobeStream(file: string): Record<string, string> {
  const text = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_streams', file],
    { encoding: 'utf8' },
  );
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

export function readFile(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}
