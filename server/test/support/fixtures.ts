import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AccessUnitAssembler, splitNalUnits, toAnnexB, type RawAccessUnit } from '@framewire/shared';
import { pino } from 'pino';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
export const NOAUD_FIXTURE = `${FIXTURES}testsrc-320x240-30-baseline-noaud.h264`;
export const DEMO_FIXTURE = `${FIXTURES}demo-1280x720-30.h264`;

/** Access units of a fixture, assembled once with the shared code (the reference split). */
export function fixtureAccessUnits(path: string): RawAccessUnit[] {
  const assembler = new AccessUnitAssembler();
  const out: RawAccessUnit[] = [];
  for (const nal of splitNalUnits(readFileSync(path))) out.push(...assembler.push(nal));
  const last = assembler.flush();
  if (last) out.push(last);
  return out;
}

/** The Annex-B bytes of each access unit, to write AU by AU as an encoder would. */
export function fixtureAccessUnitBytes(path: string): Uint8Array[] {
  return fixtureAccessUnits(path).map((au) => toAnnexB(au.nalus));
}

/** Logs of tests: silent unless FRAMEWIRE_TEST_LOG=debug etc. */
export const testLogger = pino({ level: process.env.FRAMEWIRE_TEST_LOG ?? 'silent' });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
