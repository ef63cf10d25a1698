/**
 * Stable error codes for the H.264 bitstream code (ws `WS_ERR_*` style): tests and callers
 * switch on `err.code`, never on the message text.
 */
export type H264ErrorCode =
  /** A read went past the end of the data (truncated NAL unit, SPS, AVCC buffer…). */
  | 'H264_ERR_BITSTREAM_OVERRUN'
  /** An Exp-Golomb code with more than 31 leading zeros: not representable in 32 bits (H.264 9.1). */
  | 'H264_ERR_BAD_EXP_GOLOMB'
  /** The NAL unit is not an SPS, or a field is outside the range H.264 7.4.2.1.1 allows. */
  | 'H264_ERR_BAD_SPS'
  /** The NAL unit is not a PPS, or its ids are out of range (7.4.2.2). */
  | 'H264_ERR_BAD_PPS'
  /** A slice header field is out of range or refers to an unknown parameter set (7.4.3). */
  | 'H264_ERR_BAD_SLICE'
  /** Valid syntax that this code does not handle (e.g. an AVCC length size other than 1–4 bytes). */
  | 'H264_ERR_UNSUPPORTED'
  /** A NAL unit longer than the configured limit. */
  | 'H264_ERR_NAL_TOO_LARGE'
  /** A malformed length-prefixed buffer or AVCDecoderConfigurationRecord (ISO 14496-15 5.3.3.1). */
  | 'H264_ERR_BAD_AVCC'
  /** A malformed SEI NAL unit: not an SEI, or an sei_message running past the end (H.264 7.3.2.3). */
  | 'H264_ERR_BAD_SEI';

export class H264Error extends Error {
  constructor(
    readonly code: H264ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'H264Error';
  }
}
