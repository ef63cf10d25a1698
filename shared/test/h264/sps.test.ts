import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { NalType } from '../../src/h264/nal-types.js';
import { parseSps, type SpsInfo } from '../../src/h264/sps.js';
import { addEmulationPrevention, BitWriter } from '../support/bit-writer.js';
import { FIXTURES, ffmpeg, ffprobeStream, makeTempDir, readFile, readFixture } from '../support/fixtures.js';
import { hex } from '../support/hex.js';
import { h264ErrorCode } from '../support/h264-error.js';

// The SPS at the start of each fixture (note the emulation prevention byte in 00 00 03 00).
const BASELINE_SPS = hex('67 42 c0 0d da 05 07 ec 04 40 00 00 03 00 40 00 00 0f 23 c5 0a a8');
const DEMO_SPS = hex('67 4d 40 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0f 23 c6 0c a8');

function firstSps(stream: Uint8Array): Uint8Array {
  const sps = splitNalUnits(stream).find((n) => (n[0]! & 0x1f) === NalType.SPS);
  if (!sps) throw new Error('no SPS');
  return sps;
}


interface SpsFields {
  profileIdc: number;
  chromaFormatIdc?: number;
  separateColourPlane?: boolean;
  bitDepthLuma?: number;
  scalingLists?: boolean;
  pocType?: 0 | 1 | 2;
  widthMbs: number;
  heightMapUnits: number;
  frameMbsOnly?: boolean;
  crop?: [number, number, number, number];
  vui?: (w: BitWriter) => void;
}

/** Builds an SPS NAL unit field by field (H.264 7.3.2.1.1). */
function buildSps(f: SpsFields): Uint8Array {
  const w = new BitWriter().u(8, f.profileIdc).u(8, 0).u(8, 40).ue(3);
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(f.profileIdc)) {
    const chroma = f.chromaFormatIdc ?? 1;
    w.ue(chroma);
    if (chroma === 3) w.flag(f.separateColourPlane ?? false);
    w.ue((f.bitDepthLuma ?? 8) - 8).ue(0).flag(0);
    w.flag(f.scalingLists ?? false);
    if (f.scalingLists) {
      for (let i = 0; i < (chroma !== 3 ? 8 : 12); i++) {
        const present = i % 3 !== 2;
        w.flag(present);
        if (!present) continue;
        const size = i < 6 ? 16 : 64;
        if (i === 0) {
          w.se(-8); // nextScale 0 on the first coefficient: "use the default list", one delta only
        } else {
          // A full list of deltas, including the -128 and 127 extremes.
          for (let j = 0; j < size; j++) w.se(j === 1 ? -128 : j === 2 ? 127 : (j % 5) - 2);
        }
      }
    }
  }
  w.ue(4); // log2_max_frame_num_minus4
  const poc = f.pocType ?? 0;
  w.ue(poc);
  if (poc === 0) w.ue(2);
  if (poc === 1) {
    w.flag(0).se(-3).se(5).ue(3).se(1).se(-2).se(7);
  }
  w.ue(4).flag(0); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  w.ue(f.widthMbs - 1).ue(f.heightMapUnits - 1);
  const frameMbsOnly = f.frameMbsOnly ?? true;
  w.flag(frameMbsOnly);
  if (!frameMbsOnly) w.flag(1);
  w.flag(1); // direct_8x8_inference_flag
  w.flag(f.crop !== undefined);
  if (f.crop) for (const c of f.crop) w.ue(c);
  w.flag(f.vui !== undefined);
  f.vui?.(w);
  w.trailing();
  const nal = new Uint8Array(1 + w.bitLength / 8);
  nal[0] = 0x67;
  nal.set(w.bytes(), 1);
  return new Uint8Array([0x67, ...addEmulationPrevention(nal.subarray(1))]);
}

function hrd(w: BitWriter): void {
  w.ue(1).u(4, 2).u(4, 3); // cpb_cnt_minus1 = 1
  for (let i = 0; i < 2; i++) w.ue(1000 + i).ue(2000 + i).flag(i);
  w.u(5, 23).u(5, 23).u(5, 23).u(5, 24);
}

describe('parseSps on the fixtures (values from ffprobe -show_streams)', () => {
  it('320x240 Constrained Baseline, level 1.3, 30 fps', () => {
    for (const name of [FIXTURES.aud, FIXTURES.noaud]) {
      expect(firstSps(readFixture(name))).toEqual(BASELINE_SPS);
    }
    expect(parseSps(BASELINE_SPS)).toEqual<SpsInfo>({
      profileIdc: 66,
      constraintFlags: 0xc0,
      levelIdc: 13,
      spsId: 0,
      chromaFormatIdc: 1,
      bitDepthLuma: 8,
      bitDepthChroma: 8,
      frameMbsOnly: true,
      separateColourPlane: false,
      log2MaxFrameNum: 4,
      picOrderCntType: 2,
      log2MaxPocLsb: 0,
      deltaPicOrderAlwaysZero: false,
      codedWidth: 320,
      codedHeight: 240,
      width: 320,
      height: 240,
      sar: [1, 1],
      fps: 30,
      fixedFrameRate: true,
      hasBitstreamRestriction: true,
      maxNumReorderFrames: 0,
      maxDecFrameBuffering: 1,
    });
  });

  it('1280x720 Main, level 3.1, 30 fps', () => {
    expect(firstSps(readFixture(FIXTURES.demo))).toEqual(DEMO_SPS);
    const sps = parseSps(DEMO_SPS);
    expect(sps).toMatchObject({ profileIdc: 77, constraintFlags: 0x40, levelIdc: 31, width: 1280, height: 720 });
    expect(sps).toMatchObject({ codedWidth: 1280, codedHeight: 720, fps: 30, sar: [1, 1], maxNumReorderFrames: 0 });
  });
});

describe('parseSps on clips generated with ffmpeg at test time', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    tmp = makeTempDir();
  });
  afterAll(() => tmp.cleanup());

  const cases: Array<{ name: string; args: string[]; expected: Partial<SpsInfo> }> = [
    {
      name: '1920x1080 High: 1088 coded lines, 8 cropped',
      args: ['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-profile:v', 'high', '-pix_fmt', 'yuv420p'],
      expected: { profileIdc: 100, codedWidth: 1920, codedHeight: 1088, fps: 25, chromaFormatIdc: 1 },
    },
    {
      name: '854x480 High: 864 coded columns, 10 cropped',
      args: ['-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=30', '-profile:v', 'high', '-pix_fmt', 'yuv420p'],
      expected: { profileIdc: 100, codedWidth: 864, codedHeight: 480, fps: 30 },
    },
    {
      name: '1920x1080 High 10 interlaced: crop unit 4 lines (frame_mbs_only_flag 0)',
      args: [
        '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-profile:v', 'high10', '-pix_fmt', 'yuv420p10le',
        '-x264-params', 'interlaced=1',
      ],
      expected: { profileIdc: 110, bitDepthLuma: 10, bitDepthChroma: 10, frameMbsOnly: false, codedHeight: 1088 },
    },
    {
      name: '854x480 High 4:4:4 with scaling lists, NAL HRD and an extended SAR',
      args: [
        '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=30', '-profile:v', 'high444', '-pix_fmt', 'yuv444p',
        '-x264-params', 'cqm=jvt:nal-hrd=vbr:vbv-maxrate=1000:vbv-bufsize=1000', '-vf', 'setsar=5/7',
      ],
      expected: { profileIdc: 244, chromaFormatIdc: 3, codedWidth: 864, sar: [5, 7] },
    },
    {
      name: '638x358 High 4:2:2 with a table SAR (4:3)',
      args: [
        '-f', 'lavfi', '-i', 'testsrc2=size=638x358:rate=30', '-profile:v', 'high422', '-pix_fmt', 'yuv422p',
        '-vf', 'setsar=4/3',
      ],
      expected: { profileIdc: 122, chromaFormatIdc: 2, codedWidth: 640, codedHeight: 368, sar: [4, 3] },
    },
  ];

  it.each(cases)('$name', ({ args, expected }) => {
    const file = join(tmp.dir, 'clip.h264');
    ffmpeg([...args, '-frames:v', '1', '-c:v', 'libx264', '-preset', 'veryfast', '-an', '-f', 'h264', file]);
    const probe = ffprobeStream(file);
    const sps = parseSps(firstSps(readFile(file)));
    expect(sps.width).toBe(Number(probe.width));
    expect(sps.height).toBe(Number(probe.height));
    expect(sps.levelIdc).toBe(Number(probe.level));
    if (sps.sar) expect(`${sps.sar[0]}:${sps.sar[1]}`).toBe(probe.sample_aspect_ratio);
    expect(sps).toMatchObject(expected);
  });
});

describe('parseSps on hand-built SPS', () => {
  it('High 4:2:2 with scaling lists, POC type 1, field coding, cropping and a full VUI', () => {
    const sps = buildSps({
      profileIdc: 122,
      chromaFormatIdc: 2,
      bitDepthLuma: 10,
      scalingLists: true,
      pocType: 1,
      widthMbs: 120,
      heightMapUnits: 34,
      frameMbsOnly: false,
      crop: [1, 2, 1, 1],
      vui: (w) => {
        w.flag(1).u(8, 255).u(16, 64).u(16, 45); // Extended_SAR
        w.flag(1).flag(0); // overscan
        w.flag(1).u(3, 5).flag(1).flag(1).u(8, 1).u(8, 1).u(8, 1); // video signal type + colour description
        w.flag(1).ue(2).ue(3); // chroma_loc
        w.flag(1).u(32, 1001).u(32, 60000).flag(1); // timing: 29.97 fps, fixed
        w.flag(1);
        hrd(w); // NAL HRD
        w.flag(1);
        hrd(w); // VCL HRD
        w.flag(0).flag(1); // low_delay_hrd_flag, pic_struct_present_flag
        w.flag(1).flag(1).ue(2).ue(1).ue(16).ue(16).ue(2).ue(4); // bitstream_restriction
      },
    });
    expect(parseSps(sps)).toEqual<SpsInfo>({
      profileIdc: 122,
      constraintFlags: 0,
      levelIdc: 40,
      spsId: 3,
      chromaFormatIdc: 2,
      bitDepthLuma: 10,
      bitDepthChroma: 8,
      frameMbsOnly: false,
      separateColourPlane: false,
      log2MaxFrameNum: 8,
      picOrderCntType: 1,
      log2MaxPocLsb: 0,
      deltaPicOrderAlwaysZero: false,
      codedWidth: 1920,
      codedHeight: 1088,
      // 4:2:2: CropUnitX = SubWidthC = 2, CropUnitY = SubHeightC * 2 = 2 for field coding.
      width: 1920 - 2 * 3,
      height: 1088 - 2 * 2,
      sar: [64, 45],
      fps: 60000 / 2002,
      fixedFrameRate: true,
      hasBitstreamRestriction: true,
      maxNumReorderFrames: 2,
      maxDecFrameBuffering: 4,
    });
  });

  it('uses CropUnitX = 1, CropUnitY = 2 − frame_mbs_only_flag for monochrome and separate colour planes', () => {
    const mono = buildSps({ profileIdc: 100, chromaFormatIdc: 0, widthMbs: 10, heightMapUnits: 5, frameMbsOnly: false, crop: [1, 2, 1, 2] });
    expect(parseSps(mono)).toMatchObject({ chromaFormatIdc: 0, width: 157, height: 160 - 6 });
    const planes = buildSps({ profileIdc: 244, chromaFormatIdc: 3, separateColourPlane: true, widthMbs: 10, heightMapUnits: 10, crop: [0, 3, 0, 5] });
    expect(parseSps(planes)).toMatchObject({ chromaFormatIdc: 3, width: 157, height: 155 });
    const yuv444 = buildSps({ profileIdc: 244, chromaFormatIdc: 3, scalingLists: true, widthMbs: 10, heightMapUnits: 10, crop: [0, 3, 0, 5] });
    expect(parseSps(yuv444)).toMatchObject({ width: 157, height: 155 });
  });

  it('handles POC type 2, no VUI, and table SARs; unspecified and reserved aspect_ratio_idc give null', () => {
    const plain = buildSps({ profileIdc: 66, pocType: 2, widthMbs: 20, heightMapUnits: 15 });
    expect(parseSps(plain)).toMatchObject({ width: 320, height: 240, sar: null, fps: null, maxNumReorderFrames: null });
    const sarOf = (idc: number): SpsInfo['sar'] =>
      parseSps(
        buildSps({
          profileIdc: 77,
          widthMbs: 20,
          heightMapUnits: 15,
          vui: (w) => w.flag(1).u(8, idc).flag(0).flag(0).flag(0).flag(0).flag(0).flag(0).flag(0).flag(0),
        }),
      ).sar;
    expect(sarOf(0)).toBeNull();
    expect(sarOf(1)).toEqual([1, 1]);
    expect(sarOf(13)).toEqual([160, 99]);
    expect(sarOf(16)).toEqual([2, 1]);
    expect(sarOf(17)).toBeNull();
  });

  it('throws H264_ERR_BITSTREAM_OVERRUN for every truncation of a real SPS', () => {
    for (const full of [BASELINE_SPS, DEMO_SPS]) {
      for (let length = 1; length < full.length; length++) {
        expect(h264ErrorCode(() => parseSps(full.subarray(0, length))), `length ${length}`).toBe('H264_ERR_BITSTREAM_OVERRUN');
      }
    }
  });

  it('throws H264_ERR_BAD_SPS for a non-SPS NAL unit or out-of-range fields', () => {
    expect(h264ErrorCode(() => parseSps(new Uint8Array(0)))).toBe('H264_ERR_BAD_SPS');
    expect(h264ErrorCode(() => parseSps(hex('68 ce 3c 80')))).toBe('H264_ERR_BAD_SPS');
    const bad = (fields: SpsFields): string | undefined => h264ErrorCode(() => parseSps(buildSps(fields)));
    expect(bad({ profileIdc: 100, chromaFormatIdc: 4, widthMbs: 1, heightMapUnits: 1 })).toBe('H264_ERR_BAD_SPS');
    expect(bad({ profileIdc: 100, bitDepthLuma: 15, widthMbs: 1, heightMapUnits: 1 })).toBe('H264_ERR_BAD_SPS');
    expect(bad({ profileIdc: 66, widthMbs: 2, heightMapUnits: 2, crop: [8, 8, 0, 0] })).toBe('H264_ERR_BAD_SPS');
    expect(bad({ profileIdc: 66, widthMbs: 5000, heightMapUnits: 2 })).toBe('H264_ERR_BAD_SPS');
    // Exp-Golomb with 32 leading zeros where seq_parameter_set_id should be.
    expect(h264ErrorCode(() => parseSps(hex('67 42 00 1e 00 00 00 00 80')))).toBe('H264_ERR_BAD_EXP_GOLOMB');
  });
});
