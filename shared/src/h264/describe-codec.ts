import type { SpsInfo } from './sps.js';

/** Profile names of Table A-1 / Annex A, G, H (constraint_set1 on Baseline = Constrained Baseline). */
export function h264ProfileName(profileIdc: number, constraintFlags = 0): string {
  switch (profileIdc) {
    case 66: return constraintFlags & 0x40 ? 'Constrained Baseline' : 'Baseline';
    case 77: return 'Main';
    case 88: return 'Extended';
    case 100: return 'High';
    case 110: return constraintFlags & 0x10 ? 'High 10 Intra' : 'High 10';
    case 122: return constraintFlags & 0x10 ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 244: return constraintFlags & 0x10 ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    case 44: return 'CAVLC 4:4:4 Intra';
    case 83: return 'Scalable Baseline';
    case 86: return 'Scalable High';
    case 118: return 'Multiview High';
    case 128: return 'Stereo High';
    case 134: return 'MFC High';
    case 135: return 'MFC Depth High';
    case 138: return 'Multiview Depth High';
    case 139: return 'Enhanced Multiview Depth High';
    default: return `profile ${profileIdc}`;
  }
}

const CHROMA = ['4:0:0 (monochrome)', '4:2:0', '4:2:2', '4:4:4'];

/** A human description, e.g. "H.264 High 10, 4:2:0, 10-bit, progressive, 320x240". Pure. */
export function describeSps(info: SpsInfo): string {
  const chroma = CHROMA[info.chromaFormatIdc] ?? `chroma_format_idc ${info.chromaFormatIdc}`;
  const depth = info.bitDepthLuma === info.bitDepthChroma ? `${info.bitDepthLuma}-bit` : `${info.bitDepthLuma}/${info.bitDepthChroma}-bit`;
  const scan = info.frameMbsOnly ? 'progressive' : 'interlaced';
  return `H.264 ${h264ProfileName(info.profileIdc, info.constraintFlags)}, ${chroma}, ${depth}, ${scan}, ${info.width}x${info.height}`;
}

/**
 * What in this SPS is beyond the 8-bit 4:2:0 progressive H.264 that every browser decodes
 * (hardware decoders, Safari, Firefox on Windows), each with how to fix it at the encoder; empty
 * when nothing is. Some software decoders (Chromium with FFmpeg) do play these: this names the
 * likely cause of a failure, it does not predict one.
 */
export function spsPlaybackRisks(info: SpsInfo): string[] {
  const risks: string[] = [];
  if (info.bitDepthLuma > 8 || info.bitDepthChroma > 8) {
    risks.push(`${Math.max(info.bitDepthLuma, info.bitDepthChroma)}-bit H.264 (encode 8-bit: ffmpeg -pix_fmt yuv420p)`);
  }
  if (info.chromaFormatIdc === 2 || info.chromaFormatIdc === 3) {
    risks.push(`${CHROMA[info.chromaFormatIdc]} chroma (encode 4:2:0: ffmpeg -pix_fmt yuv420p)`);
  }
  if (!info.frameMbsOnly) {
    risks.push('interlaced coding (encode progressive: drop -flags +ildct+ilme / interlaced=1, or deinterlace with -vf yadif)');
  }
  if (![66, 77, 88, 100, 110, 122, 244, 44].includes(info.profileIdc)) {
    risks.push(`the ${h264ProfileName(info.profileIdc, info.constraintFlags)} profile (use Baseline, Main or High)`);
  }
  return risks;
}
