#!/usr/bin/env node
// Thin launcher: the command is compiled from server/src (npm run build, done by `npm start`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('framewire: not built yet. Run `npm run build` (or `npm start`) at the repository root first.');
  process.exit(1);
}
await import(main);
