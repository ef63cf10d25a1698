import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, isSecretPath, JSON_SCHEMA_FILE } from '../../src/config/json-schema.js';
import { CONFIG_KEYS, defaultServerConfig } from '../../src/config.js';

const published = fileURLToPath(new URL(`../../${JSON_SCHEMA_FILE}`, import.meta.url));

describe('the published JSON Schema (server/framewire.schema.json)', () => {
  it('is up to date with src/config/schema.ts (regenerate: npm run schema -w server)', () => {
    const onDisk = readFileSync(published, 'utf8');
    expect(onDisk, 'server/framewire.schema.json is stale: run `npm run build && npm run schema -w server`').toBe(`${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
  });

  it('describes every key with its default, refuses unknown keys, and marks publish keys as secrets', () => {
    const schema = buildJsonSchema();
    expect(schema.additionalProperties).toBe(false);
    for (const key of CONFIG_KEYS) {
      const node = schema.properties?.[key];
      expect(node, key).toBeDefined();
      expect(node!.default, key).toEqual(defaultServerConfig[key]);
      expect(node!.description, key).toMatch(/\w/);
    }
    expect(schema.required ?? []).toEqual([]);
    expect(isSecretPath(['streams', 'cam', 'key'])).toBe(true);
    expect(isSecretPath(['streams', 'cam', 'source'])).toBe(false);
    expect(isSecretPath(['port'])).toBe(false);
  });
});
