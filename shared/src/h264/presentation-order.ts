import { H264Error } from './errors.js';
import { NalType, nalType } from './nal-types.js';
import { parsePpsHeader, type PpsHeader } from './pps.js';
import { parseSliceOrderFields, slicePpsId } from './slice-header.js';
import { parseSps, type SpsInfo } from './sps.js';

/** A reorder depth beyond the largest DPB (16 frames, A.3.1 h) means the POC jumped (MMCO 5, corruption). */
const MAX_REORDER = 16;
/** Frame POCs usually advance by 2 (a frame's two fields take one POC each: 8.2.1). */
const DEFAULT_POC_STEP = 2;
/** Distances seen before a larger common step than the default is believed. */
const STEP_EVIDENCE = 8;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Presentation order for H.264 that arrives without timestamps (raw Annex-B on stdin or a
 * publish socket). With B-frames, pictures are decoded in one order and shown in another; the
 * order is in each slice header's picture order count (POC, 8.2.1). For each access unit, in
 * decode order, `next()` gives how many frame intervals its presentation time lies after its
 * decode time, so pts = dts + offset × frame duration and pts ≥ dts (what an fMP4 trun v0 can
 * carry, LOW-LATENCY.md "B-frames with tiny fragments").
 *
 * Frame k in decode order (counted from the last IDR) with display index d = (POC − POC_IDR) / step
 * is shown at slot d + R, where R is the reorder depth: max_num_reorder_frames from the SPS VUI when
 * present, else the largest k − d seen. Never waits for a later frame: the offset is known when
 * the access unit is.
 *
 * Handled: pic_order_cnt_type 0 (what encoders use with B-frames) and 2 (output order is decode
 * order, 8.2.1.3); type 1, field pictures and POC resets by memory_management_control_operation 5
 * give offset 0 (decode order), as before this existed.
 */
export class PresentationOrder {
  private readonly spsById = new Map<number, SpsInfo>();
  private readonly ppsById = new Map<number, PpsHeader>();
  /** 8.2.1.1: PicOrderCntMsb and pic_order_cnt_lsb of the previous reference picture. */
  private prevPocMsb = 0;
  private prevPocLsb = 0;
  private basePoc: number | null = null;
  private decodeIndex = 0;
  private step = DEFAULT_POC_STEP;
  private stepGcd = 0;
  private stepSamples = 0;
  private learnedReorder = 0;
  private reorderValue = 0;

  /** Current reorder depth R in frames (pictures shown R frame intervals after decode at most). */
  get reorder(): number {
    return this.reorderValue;
  }

  /** Frame intervals between decode and presentation of this access unit (≥ 0). Never throws H264Error. */
  next(nalus: readonly Uint8Array[]): number {
    let slice: Uint8Array | undefined;
    for (const nal of nalus) {
      const type = nalType(nal);
      try {
        if (type === NalType.SPS) {
          const sps = parseSps(nal);
          this.spsById.set(sps.spsId, sps);
        } else if (type === NalType.PPS) {
          const pps = parsePpsHeader(nal);
          this.ppsById.set(pps.ppsId, pps);
        }
      } catch (err) {
        if (!(err instanceof H264Error)) throw err;
      }
      if (!slice && (type === NalType.SLICE || type === NalType.IDR)) slice = nal;
    }
    if (!slice) return 0;
    try {
      return this.offsetFor(slice);
    } catch (err) {
      if (!(err instanceof H264Error)) throw err;
      this.basePoc = null; // unreadable header: restart the ordering at the next picture
      return 0;
    }
  }

  reset(): void {
    this.spsById.clear();
    this.ppsById.clear();
    this.prevPocMsb = this.prevPocLsb = 0;
    this.basePoc = null;
    this.decodeIndex = 0;
    this.learnedReorder = this.reorderValue = 0;
  }

  private offsetFor(slice: Uint8Array): number {
    const pps = this.ppsById.get(slicePpsId(slice));
    const sps = pps && this.spsById.get(pps.spsId);
    if (!pps || !sps || sps.picOrderCntType !== 0) {
      this.basePoc = null;
      return 0;
    }
    const fields = parseSliceOrderFields(slice, sps, pps);
    if (fields.fieldPic) {
      this.basePoc = null;
      return 0;
    }
    const idr = nalType(slice) === NalType.IDR;
    const poc = this.pictureOrderCount(sps, fields.pocLsb, fields.deltaPocBottom, idr, (slice[0]! & 0x60) !== 0);

    if (idr || this.basePoc === null) {
      this.basePoc = poc;
      this.decodeIndex = 0;
    }
    const diff = poc - this.basePoc;
    this.learnStep(Math.abs(diff));
    const d = Math.round(diff / this.step);
    const k = this.decodeIndex++;
    if (Math.abs(d - k) > MAX_REORDER) {
      // Not a reorder a decoder could hold: the POC was reset or jumped. Start over here.
      this.basePoc = poc;
      this.decodeIndex = 1;
      return 0;
    }
    this.learnedReorder = Math.max(this.learnedReorder, k - d);
    const signalled = sps.maxNumReorderFrames;
    this.reorderValue = Math.min(MAX_REORDER, Math.max(this.learnedReorder, signalled ?? 0));
    return Math.max(0, d - k + this.reorderValue);
  }

  /** 8.2.1.1 for a frame: TopFieldOrderCnt / BottomFieldOrderCnt from the lsb and the previous reference picture. */
  private pictureOrderCount(sps: SpsInfo, lsb: number, deltaBottom: number, idr: boolean, reference: boolean): number {
    if (idr) this.prevPocMsb = this.prevPocLsb = 0;
    const maxLsb = 2 ** sps.log2MaxPocLsb;
    let msb = this.prevPocMsb;
    if (lsb < this.prevPocLsb && this.prevPocLsb - lsb >= maxLsb / 2) msb += maxLsb;
    else if (lsb > this.prevPocLsb && lsb - this.prevPocLsb > maxLsb / 2) msb -= maxLsb;
    if (reference) {
      this.prevPocMsb = msb;
      this.prevPocLsb = lsb;
    }
    const top = msb + lsb;
    return Math.min(top, top + deltaBottom);
  }

  /** The POC distance between consecutive frames: 2 unless the stream shows otherwise. */
  private learnStep(distance: number): void {
    if (distance === 0) return;
    this.stepGcd = gcd(this.stepGcd, distance);
    this.stepSamples++;
    if (this.stepGcd % this.step !== 0) this.step = this.stepGcd; // e.g. an odd distance: step 1
    else if (this.stepSamples >= STEP_EVIDENCE && this.stepGcd > this.step) this.step = this.stepGcd;
  }
}
