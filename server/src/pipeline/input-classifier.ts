import { H264Error, NalType, parseSps } from '@framewire/shared';

/** Bytes of raw input without any sign of H.264 after which it is declared not H.264. */
export const NOT_H264_AFTER_BYTES = 256 * 1024;
/** NAL units with a plausible H.264 header (slice, IDR, SPS, PPS, AUD) that count as "this is H.264". */
const PLAUSIBLE_NALS_NEEDED = 4;
const PLAUSIBLE_TYPES = new Set<number>([NalType.SLICE, NalType.IDR, NalType.SPS, NalType.PPS, NalType.AUD]);

export type InputVerdict = { kind: 'unknown' } | { kind: 'h264' } | { kind: 'not-h264'; reason: string };

/**
 * Decides from raw Annex-B input whether it is H.264 at all (issue 3): a valid SPS or a few
 * NAL units with plausible H.264 headers say yes; H.265 parameter sets (VPS/SPS/PPS, whose
 * 2-byte headers 0x40 01 / 0x42 01 / 0x44 01 are nonsense as H.264) or `limitBytes` of input
 * with neither say no. Pure and incremental; `verdict()` changes from not-h264 to h264 when a
 * valid stream follows.
 */
export class InputClassifier {
  private bytes = 0;
  private nals = 0;
  private plausible = 0;
  private hevcParameterSets = 0;
  private validSps = false;

  constructor(private readonly limitBytes = NOT_H264_AFTER_BYTES) {}

  addBytes(n: number): void {
    this.bytes += n;
  }

  addNal(nal: Uint8Array): void {
    this.nals++;
    const b0 = nal[0];
    if (b0 === undefined || this.validSps) return;
    const b1 = nal[1];
    if ((b0 === 0x40 || b0 === 0x42 || b0 === 0x44) && b1 === 0x01) this.hevcParameterSets++;
    if (b0 & 0x80) return; // forbidden_zero_bit
    const type = b0 & 0x1f;
    if (type === NalType.SPS) {
      try {
        parseSps(nal);
        this.validSps = true;
        return;
      } catch (err) {
        if (!(err instanceof H264Error)) throw err;
        return;
      }
    }
    // nal_ref_idc is never 0 for IDR/SPS/PPS (7.4.1).
    if (PLAUSIBLE_TYPES.has(type) && !((type === NalType.IDR || type === NalType.PPS) && (b0 & 0x60) === 0)) this.plausible++;
  }

  verdict(): InputVerdict {
    if (this.validSps) return { kind: 'h264' };
    if (this.hevcParameterSets > 0) {
      return {
        kind: 'not-h264',
        reason:
          'the input looks like H.265/HEVC (it has HEVC VPS/SPS/PPS NAL units), not H.264: browsers cannot play H.265 ' +
          'through Framewire; encode H.264 instead (ffmpeg -c:v libx264 -pix_fmt yuv420p)',
      };
    }
    if (this.plausible >= PLAUSIBLE_NALS_NEEDED) return { kind: 'h264' };
    if (this.bytes >= this.limitBytes) {
      return {
        kind: 'not-h264',
        reason:
          `no H.264 found in the first ${Math.round(this.bytes / 1024)} KiB of input (no valid sequence parameter set, ` +
          `${this.nals} start code${this.nals === 1 ? '' : 's'}): this is not an H.264 Annex-B byte stream; ` +
          'pipe raw H.264, e.g. ffmpeg … -c:v libx264 -pix_fmt yuv420p -f h264 -',
      };
    }
    return { kind: 'unknown' };
  }
}
