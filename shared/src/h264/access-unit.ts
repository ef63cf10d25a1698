import { isVcl, NalType } from './nal-types.js';
import { isRecoveryPointSei } from './sei.js';
import type { RawAccessUnit } from './types.js';

export interface AccessUnitAssemblerOptions {
  /** Most NAL units one pending access unit may hold (default 1024; a 1080p picture has at most 8160 slices, real encoders use a handful). */
  maxNalCount?: number;
  /** Most bytes one pending access unit may hold (default 32 MiB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_AU_NALS = 1024;
export const DEFAULT_MAX_AU_BYTES = 32 * 1024 * 1024;

/**
 * Groups NAL units into access units (H.264 7.4.1.2.3).
 *
 * A NAL unit *starts* a new access unit when it is:
 * - an access unit delimiter (it can only be the first NAL of an access unit);
 * - an SPS, PPS, SEI, prefix NAL, subset SPS or nal_unit_type 16–18 that follows a VCL NAL unit of
 *   the current access unit (these may only precede the first VCL NAL of a picture);
 * - a VCL NAL unit (slice or partition A) with first_mb_in_slice == 0 that follows a VCL NAL unit of
 *   the current access unit: the first slice of the next primary coded picture (7.4.1.2.4, reduced
 *   to the test every real encoder satisfies; arbitrary slice order is not supported).
 *
 * Because of that, an access unit is only known complete when the next one starts, one frame
 * interval late. `flush()` is the way out: the caller calls it as soon as it knows the access unit
 * is complete (idle gap, framed packet, end of input).
 *
 * Access units without a VCL NAL unit are never emitted; a lone SPS/PPS/SEI group stays pending and
 * is prepended to the next picture. NAL units are kept as given (no copies).
 */
export class AccessUnitAssembler {
  private readonly maxNalCount: number;
  private readonly maxBytes: number;
  private nalus: Uint8Array[] = [];
  private bytes = 0;
  private hasVcl = false;
  private key = false;
  private recoveryPoint = false;
  private droppedNals = 0;

  constructor(options: AccessUnitAssemblerOptions = {}) {
    this.maxNalCount = options.maxNalCount ?? DEFAULT_MAX_AU_NALS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_AU_BYTES;
  }

  /**
   * NAL units discarded: empty ones, ones with forbidden_zero_bit set (7.4.1: shall be 0, so the
   * data is corrupt), an end-of-sequence/stream with no picture to close, and whole pending access
   * units that outgrew the limits.
   */
  get droppedNalCount(): number {
    return this.droppedNals;
  }

  /** Adds one NAL unit (header byte first, no start code). Returns the access units it completed (0 or 1). */
  push(nal: Uint8Array): RawAccessUnit[] {
    const out: RawAccessUnit[] = [];
    const header = nal[0];
    if (header === undefined || header & 0x80) {
      this.droppedNals++;
      return out;
    }
    const type = header & 0x1f;

    if (isVcl(type)) {
      // Slice header (7.3.3) starts right after the NAL header with first_mb_in_slice ue(v);
      // ue(v) == 0 is the single bit '1'. Partitions B and C (types 3, 4) start with slice_id instead
      // and never begin a picture.
      if (this.hasVcl && type !== NalType.DPB && type !== NalType.DPC && ((nal[1] ?? 0) & 0x80) !== 0) {
        this.emit(out);
      }
      if (this.append(nal)) {
        this.hasVcl = true;
        if (type === NalType.IDR) this.key = true;
      }
      return out;
    }

    switch (type) {
      case NalType.AUD:
        if (this.hasVcl) {
          this.emit(out);
          this.append(nal);
        } else if (!this.nalus.some((n) => ((n[0] ?? 0) & 0x1f) === NalType.AUD)) {
          // 7.4.1.2.3: the AUD is the first NAL unit of its access unit, ahead of any pending SPS/PPS/SEI.
          this.nalus.unshift(nal);
          this.bytes += nal.length;
        } else {
          this.droppedNals++;
        }
        return out;
      case NalType.SEI:
        // An SEI precedes the first VCL NAL unit of its access unit (7.4.1.2.3), so a recovery
        // point SEI marks the picture being assembled as a random access point (D.2.8).
        if (this.hasVcl) this.emit(out);
        if (this.append(nal) && !this.recoveryPoint) this.recoveryPoint = isRecoveryPointSei(nal);
        return out;
      case NalType.SPS:
      case NalType.PPS:
      case NalType.PREFIX:
      case NalType.SUBSET_SPS:
      case 16:
      case 17:
      case 18:
        if (this.hasVcl) this.emit(out);
        this.append(nal);
        return out;
      case NalType.END_OF_SEQUENCE:
      case NalType.END_OF_STREAM:
        // 7.4.1.2.3: these end the access unit they belong to, so it is complete right now.
        if (this.hasVcl) {
          if (this.append(nal)) this.emit(out);
        } else {
          this.droppedNals++;
        }
        return out;
      default:
        // Filler data, SPS extension, reserved/unspecified types: part of the current access unit.
        this.append(nal);
        return out;
    }
  }

  /**
   * Emits the pending access unit now. Returns null when it holds no VCL NAL unit (the pending
   * parameter sets / SEI stay for the next picture).
   */
  flush(): RawAccessUnit | null {
    if (!this.hasVcl) return null;
    const au: RawAccessUnit = { nalus: this.nalus, key: this.key, recoveryPoint: this.recoveryPoint };
    this.clear();
    return au;
  }

  /** Drops everything pending (e.g. the source restarted). */
  reset(): void {
    this.clear();
    this.droppedNals = 0;
  }

  private emit(out: RawAccessUnit[]): void {
    const au = this.flush();
    if (au) out.push(au);
  }

  /** Adds `nal` to the pending access unit; false when the limits were hit and everything was dropped. */
  private append(nal: Uint8Array): boolean {
    if (this.nalus.length + 1 > this.maxNalCount || this.bytes + nal.length > this.maxBytes) {
      // Garbage never completes an access unit; do not let it grow memory. Its NAL units are lost
      // (an emitted partial picture would only corrupt the decoder further).
      this.droppedNals += this.nalus.length + 1;
      this.clear();
      return false;
    }
    this.nalus.push(nal);
    this.bytes += nal.length;
    return true;
  }

  private clear(): void {
    this.nalus = [];
    this.bytes = 0;
    this.hasVcl = false;
    this.key = false;
    this.recoveryPoint = false;
  }
}
