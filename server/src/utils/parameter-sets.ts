import { NalType, nalType } from '@framewire/shared';

/**
 * Makes a key access unit self-sufficient: adds the SPS and/or PPS it lacks so a viewer can
 * start decoding at it. Inserted after a leading AUD, which must stay the first NAL unit of an
 * access unit (H.264 7.4.1.2.3). Returns `nalus` itself when nothing is missing.
 */
export function withParameterSets(nalus: Uint8Array[], sps: readonly Uint8Array[], pps: readonly Uint8Array[]): Uint8Array[] {
  const hasSps = nalus.some((nal) => nalType(nal) === NalType.SPS);
  const hasPps = nalus.some((nal) => nalType(nal) === NalType.PPS);
  const config = [...(hasSps ? [] : sps), ...(hasPps ? [] : pps)];
  if (config.length === 0) return nalus;
  const at = nalus.length > 0 && nalType(nalus[0]!) === NalType.AUD ? 1 : 0;
  return [...nalus.slice(0, at), ...config, ...nalus.slice(at)];
}
