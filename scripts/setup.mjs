#!/usr/bin/env node
// One-shot set-up run before `npm start`, `npm test` and `npm run bench`.
// Plain Node with no dependencies, because it runs before `npm install` has.
//
//   node scripts/setup.mjs start   needs ffmpeg for every source but `demo` (warns if missing)
//   node scripts/setup.mjs test    needs ffmpeg and Chromium (fails with the install command if missing)
//
// It installs npm dependencies when node_modules is missing or older than package-lock.json,
// and, as root on Debian, installs the Debian packages `ffmpeg` and `chromium` with apt-get.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] === 'test' ? 'test' : 'start';
const say = (line) => console.log(`[setup] ${line}`);

function run(cmd, args, env = {}) {
  say(`$ ${[cmd, ...args].join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`[setup] \`${[cmd, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// 1. Node
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`[setup] Framewire needs Node.js 20 or newer; this is ${process.version}.`);
  process.exit(1);
}

// 2. System packages: Debian's ffmpeg (libx264) for sources, Debian's Chromium for browser tests.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = [];
if (!onPath('ffmpeg') || !onPath('ffprobe')) missing.push('ffmpeg');
if (mode === 'test' && !existsSync(chromium)) missing.push('chromium');

if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version') && onPath('apt-get');
  if (isRoot && isDebian) {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
  } else {
    const how = isDebian
      ? `sudo apt-get install -y ${missing.join(' ')}`
      : process.platform === 'darwin'
        ? `brew install ${missing.map((p) => (p === 'chromium' ? '--cask chromium' : p)).join(' && brew install ')}` +
          (missing.includes('chromium') ? '  (then set CHROMIUM_PATH to the Chromium binary)' : '')
        : `install ${missing.join(' and ')} with your package manager` +
          (missing.includes('chromium') ? ', then set CHROMIUM_PATH to the Chromium binary' : '');
    const need = mode === 'test' ? 'The tests need' : 'Sources other than `demo` need';
    const msg = `${need} ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} missing. Install with:\n\n    ${how}\n`;
    if (mode === 'test') {
      console.error(`[setup] ${msg}`);
      process.exit(1);
    }
    say(msg);
  }
}

// 3. npm dependencies (never a browser download: the tests use Debian's Chromium).
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  // `npm install`, not `npm ci`: npm 11 leaves turbo's other-platform binaries
  // (@turbo/darwin-64 …) out of the lockfile, and `npm ci` then refuses it as out of sync.
  run('npm', ['install', '--no-audit', '--no-fund'], { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' });
}
