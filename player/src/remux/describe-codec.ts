/**
 * The sentences the player shows when the browser cannot play a stream (issue 3). Pure: built
 * from the init segment's codec string and the SPS description/risks (shared describeSps,
 * spsPlaybackRisks), so they are unit-tested without a browser.
 */
import { describeSps, spsPlaybackRisks, type SpsInfo } from '@framewire/shared';

export interface CodecSummary {
  /** RFC 6381 codec string, e.g. "avc1.6e001f". */
  codec: string;
  /** e.g. "H.264 High 10, 4:2:0, 10-bit, progressive, 320x240". */
  description: string;
  /** What in the SPS many browsers cannot decode, each with the encoder fix; empty when nothing. */
  risks: string[];
}

export function summarizeSps(info: SpsInfo, codec: string): CodecSummary {
  return { codec, description: describeSps(info), risks: spsPlaybackRisks(info) };
}

/** MediaSource.isTypeSupported() said no. */
export function unsupportedCodecMessage(s: CodecSummary): string {
  const cause = s.risks.length > 0 ? `: it does not support ${s.risks.join('; ')}` : '';
  return `This browser cannot play ${s.description} (${s.codec})${cause}`;
}

/** The decoder failed for good: name the likely cause when the SPS has one. */
export function decodeFailureMessage(elementReason: string, s: CodecSummary | null): string {
  if (!s || s.risks.length === 0) return elementReason;
  return `This browser could not decode ${s.description} (${s.codec}), likely because of ${s.risks.join('; ')} (${elementReason})`;
}
