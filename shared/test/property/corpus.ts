/// <reference types="node" />
/** The saved corpus (fixtures/corpus): `.hex` files (lines starting with '#' are notes) and raw `.h264` files. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../support/fixtures.js';
import { hex } from '../support/hex.js';

export const CORPUS_DIR = join(FIXTURES_DIR, 'corpus');

export interface CorpusCase {
  name: string;
  bytes: Uint8Array;
}

export function readCorpus(): CorpusCase[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.hex') || f.endsWith('.h264'))
    .sort()
    .map((name) => {
      const raw = readFileSync(join(CORPUS_DIR, name));
      if (name.endsWith('.h264')) return { name, bytes: new Uint8Array(raw) };
      const text = raw.toString('utf8').split('\n').filter((l) => !l.startsWith('#')).join('');
      return { name, bytes: hex(text) };
    });
}
