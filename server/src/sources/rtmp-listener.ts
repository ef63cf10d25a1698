/**
 * RTMP push (OBS "Custom" service: server rtmp://HOST:PORT/live, stream key KEY) into
 * `rtmp://0.0.0.0:PORT/live/KEY?listen=1`.
 *
 * Two things ffmpeg 5.1 does not do for us (both checked with real ffmpeg):
 * - `?listen=1` in an RTMP URL is not an option to ffmpeg's RTMP client: it connects out instead
 *   (unlike srt:// and tcp://, whose URL query holds options). rtmpListenerInput() turns it into
 *   `-listen 1 -i rtmp://0.0.0.0:PORT/live/KEY`.
 * - Its RTMP listener does not refuse a publisher that names another stream: it logs
 *   "Unexpected stream WRONG, expecting KEY" and takes the video anyway (the application name is
 *   not checked at all). So the last path segment only becomes a stream key if we act on that
 *   line: rtmpKeyGuard() makes FfmpegSource kill the run — the publisher is disconnected before
 *   its first frame reaches a viewer (ffmpeg logs the line when the publish command arrives and
 *   writes output only after analysing the input) — and the restart logic opens a new listener.
 *   Without a key in the path (rtmp://0.0.0.0:1935/live?listen=1), anyone can publish: use SRT
 *   with a passphrase, or the publish source, where that matters.
 */
export function isRtmpListenerUrl(url: string): boolean {
  return /^rtmps?:/i.test(url) && /[?&]listen(=1)?(&|$)/i.test(url);
}

/** ffmpeg input arguments for an RTMP listener URL (see above). */
export function rtmpListenerInput(url: string): string[] {
  const [base, query = ''] = url.split('?', 2) as [string, string?];
  const rest = query.split('&').filter((p) => p.length > 0 && !/^listen(=1)?$/i.test(p));
  return ['-listen', '1', '-i', rest.length > 0 ? `${base}?${rest.join('&')}` : base];
}

/** The stderr guard of an RTMP listener URL, undefined for anything else. */
export function rtmpKeyGuard(url: string): ((stderrLine: string) => string | null) | undefined {
  if (!isRtmpListenerUrl(url)) return undefined;
  // The publisher's wrong key is a guess at a secret: it stays out of the reason (logs, API).
  return (line) => (/Unexpected stream \S+, expecting \S+/.test(line) ? 'an RTMP publisher used a wrong stream key: disconnected it' : null);
}
