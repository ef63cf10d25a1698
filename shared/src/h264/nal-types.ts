/** nal_unit_type values (H.264 Table 7-1) that Framewire looks at. */
export const NalType = {
  SLICE: 1,
  DPA: 2,
  DPB: 3,
  DPC: 4,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
  SPS_EXT: 13,
  PREFIX: 14,
  SUBSET_SPS: 15,
} as const;

/** nal_unit_type: the low 5 bits of the 1-byte NAL unit header (H.264 7.3.1). 0 for an empty array. */
export function nalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

/** VCL NAL units carry slice data: nal_unit_type 1..5 (H.264 Table 7-1, "Annex A" column). */
export function isVcl(type: number): boolean {
  return type >= NalType.SLICE && type <= NalType.IDR;
}
