import { describeSps, h264ProfileName, spsPlaybackRisks, type SpsInfo } from '@framewire/shared';
import { describe, expect, it } from 'vitest';
import { decodeFailureMessage, summarizeSps, unsupportedCodecMessage } from '../../src/remux/describe-codec.js';

const base: SpsInfo = {
  profileIdc: 100, constraintFlags: 0, levelIdc: 31, spsId: 0, chromaFormatIdc: 1, bitDepthLuma: 8, bitDepthChroma: 8,
  frameMbsOnly: true, separateColourPlane: false, log2MaxFrameNum: 4, picOrderCntType: 0, log2MaxPocLsb: 6, deltaPicOrderAlwaysZero: false,
  codedWidth: 320, codedHeight: 240, width: 320, height: 240, sar: null, fps: 30, fixedFrameRate: true,
  hasBitstreamRestriction: false, maxNumReorderFrames: null, maxDecFrameBuffering: null,
};
const sps = (o: Partial<SpsInfo>): SpsInfo => ({ ...base, ...o });

describe('describeSps / spsPlaybackRisks', () => {
  it('names profiles, including constrained and intra variants', () => {
    expect(h264ProfileName(66, 0xc0)).toBe('Constrained Baseline');
    expect(h264ProfileName(66, 0)).toBe('Baseline');
    expect(h264ProfileName(77)).toBe('Main');
    expect(h264ProfileName(110)).toBe('High 10');
    expect(h264ProfileName(110, 0x10)).toBe('High 10 Intra');
    expect(h264ProfileName(244)).toBe('High 4:4:4 Predictive');
    expect(h264ProfileName(7)).toBe('profile 7');
  });

  it('describes plain High 8-bit 4:2:0 progressive, with no risks', () => {
    expect(describeSps(base)).toBe('H.264 High, 4:2:0, 8-bit, progressive, 320x240');
    expect(spsPlaybackRisks(base)).toEqual([]);
    expect(spsPlaybackRisks(sps({ profileIdc: 66, constraintFlags: 0xc0 }))).toEqual([]);
  });

  it('High 10: bit depth', () => {
    const i = sps({ profileIdc: 110, bitDepthLuma: 10, bitDepthChroma: 10 });
    expect(describeSps(i)).toBe('H.264 High 10, 4:2:0, 10-bit, progressive, 320x240');
    expect(spsPlaybackRisks(i)).toEqual(['10-bit H.264 (encode 8-bit: ffmpeg -pix_fmt yuv420p)']);
  });

  it('4:2:2 and 4:4:4: chroma format', () => {
    expect(spsPlaybackRisks(sps({ profileIdc: 122, chromaFormatIdc: 2 }))).toEqual(['4:2:2 chroma (encode 4:2:0: ffmpeg -pix_fmt yuv420p)']);
    const i = sps({ profileIdc: 244, chromaFormatIdc: 3 });
    expect(describeSps(i)).toBe('H.264 High 4:4:4 Predictive, 4:4:4, 8-bit, progressive, 320x240');
    expect(spsPlaybackRisks(i)).toEqual(['4:4:4 chroma (encode 4:2:0: ffmpeg -pix_fmt yuv420p)']);
  });

  it('interlaced and mixed bit depths', () => {
    const i = sps({ frameMbsOnly: false, bitDepthChroma: 10, profileIdc: 110 });
    expect(describeSps(i)).toBe('H.264 High 10, 4:2:0, 8/10-bit, interlaced, 320x240');
    expect(spsPlaybackRisks(i)).toHaveLength(2);
    expect(spsPlaybackRisks(i)[1]).toMatch(/^interlaced coding/);
  });

  it('unknown profiles (MVC, SVC) are a risk', () => {
    expect(spsPlaybackRisks(sps({ profileIdc: 118 }))).toEqual(['the Multiview High profile (use Baseline, Main or High)']);
  });
});

describe('player messages', () => {
  it('isTypeSupported false: names the codec and the cause', () => {
    const s = summarizeSps(sps({ profileIdc: 110, bitDepthLuma: 10, bitDepthChroma: 10 }), 'avc1.6e001f');
    expect(unsupportedCodecMessage(s)).toBe(
      'This browser cannot play H.264 High 10, 4:2:0, 10-bit, progressive, 320x240 (avc1.6e001f): it does not support 10-bit H.264 (encode 8-bit: ffmpeg -pix_fmt yuv420p)',
    );
    expect(unsupportedCodecMessage(summarizeSps(base, 'avc1.64001f'))).toBe('This browser cannot play H.264 High, 4:2:0, 8-bit, progressive, 320x240 (avc1.64001f)');
  });

  it('decode failure: adds the likely cause only when the SPS has one', () => {
    expect(decodeFailureMessage('media element error 3: x', null)).toBe('media element error 3: x');
    expect(decodeFailureMessage('media element error 3: x', summarizeSps(base, 'avc1.64001f'))).toBe('media element error 3: x');
    expect(decodeFailureMessage('media element error 3: x', summarizeSps(sps({ frameMbsOnly: false }), 'avc1.64001f'))).toMatch(
      /^This browser could not decode H\.264 High, 4:2:0, 8-bit, interlaced, 320x240 \(avc1\.64001f\), likely because of interlaced coding .* \(media element error 3: x\)$/,
    );
  });
});
