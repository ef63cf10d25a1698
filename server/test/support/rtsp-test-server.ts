import type { ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, spawnFfmpeg } from './live-ffmpeg.js';

/** One RTSP request as the server received it (for assertions on what the client asked). */
export interface RtspRequestRecord {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Which TCP connection it came on (1, 2, …): ffprobe and ffmpeg each open one. */
  connection: number;
  at: number;
  /** The status code answered, e.g. 200, 461. */
  status: number;
}

export interface RtspTestServerOptions {
  /** testsrc2 picture size and rate, encoded by x264 as a camera would (no B-frames). */
  size?: string;
  fps?: number;
  /** Key frame interval in frames. */
  gop?: number;
  /** Path of the one stream served, e.g. '/cam'. */
  path?: string;
  /**
   * Seconds announced in the Session header (RFC 2326 §12.37 `timeout`): a client keeps the
   * session alive with a request every timeout/2 (ffmpeg: GET_PARAMETER, if OPTIONS listed it).
   */
  sessionTimeoutS?: number;
}

interface Session {
  id: string;
  connection: Socket;
  /** Interleaved channels the client chose in SETUP (RFC 2326 §10.12, §12.39 `interleaved=`). */
  rtpChannel: number;
  rtcpChannel: number;
  playing: boolean;
}

/**
 * A minimal RTSP server (RFC 2326) for tests, serving one live H.264 stream with RTP over the
 * RTSP TCP connection ("interleaved", §10.12) only, as a camera does for clients that ask for TCP.
 *
 * The media and its SDP come from a real encoder: ffmpeg encodes a real-time test pattern with
 * x264 and packetises it itself (`-f rtp`, RFC 6184 packetization-mode=1) to two UDP sockets of
 * this process (RTP and RTCP); each datagram is relayed unchanged to every playing session as a
 * `$ channel length` frame. Nothing here builds RTP packets.
 *
 * Methods: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER (keep-alive, §10.8). A SETUP
 * that asks for UDP is answered 461 Unsupported Transport (§11.3.11) and recorded, so a
 * test sees whether a client tried UDP first. stop() is the remote side dropping: the encoder is
 * killed and every connection is cut; start(port) brings it back on the same port.
 */
export class RtspTestServer {
  readonly requests: RtspRequestRecord[] = [];
  /** RTP packets written to clients (all sessions), for "the relay ran" checks. */
  rtpPacketsRelayed = 0;
  private readonly options: Required<RtspTestServerOptions>;
  private server: Server | null = null;
  private encoder: ChildProcess | null = null;
  private rtp: UdpSocket | null = null;
  private rtcp: UdpSocket | null = null;
  private dir: string | null = null;
  private sdp = '';
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Map<string, Session>();
  private connections = 0;
  private sessionCounter = 0;
  /** While frozen, nothing is relayed but connections stay open (a camera that hangs, a dead link). */
  private frozen = false;

  constructor(options: RtspTestServerOptions = {}) {
    this.options = { size: '416x240', fps: 30, gop: 30, path: '/cam', sessionTimeoutS: 60, ...options };
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  url(path = this.options.path): string {
    return `rtsp://127.0.0.1:${this.port}${path}`;
  }

  /** SETUP requests' Transport headers, in order. */
  get setupTransports(): string[] {
    return this.requests.filter((r) => r.method === 'SETUP').map((r) => r.headers['transport'] ?? '');
  }

  methods(): string[] {
    return this.requests.map((r) => r.method);
  }

  async start(port = 0): Promise<number> {
    this.frozen = false;
    this.dir = mkdtempSync(join(tmpdir(), 'fw-rtsp-'));
    this.rtp = await bindUdp();
    this.rtcp = await bindUdp();
    this.rtp.on('message', (packet) => this.relay(packet, 'rtp'));
    this.rtcp.on('message', (packet) => this.relay(packet, 'rtcp'));
    const sdpFile = join(this.dir, 'stream.sdp');
    const { size, fps, gop } = this.options;
    this.encoder = spawnFfmpeg([
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', String(gop), '-pix_fmt', 'yuv420p',
      // As cameras do: the parameter sets both in the SDP (sprop-parameter-sets, RFC 6184 §8.1,
      // from x264's global header) and in-band before every IDR (repeat-headers).
      '-flags', '+global_header', '-x264-params', 'repeat-headers=1',
      // pkt_size keeps each RTP packet well inside one interleaved frame (16-bit length, §10.12).
      '-f', 'rtp', '-sdp_file', sdpFile,
      `rtp://127.0.0.1:${udpPort(this.rtp)}?rtcpport=${udpPort(this.rtcp)}&pkt_size=1200`,
    ]);
    this.sdp = await waitForSdp(sdpFile, this.encoder);

    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.port;
  }

  /**
   * freeze(): stop relaying media without closing anything (a hung camera, or a link gone without
   * FIN or RST: the peer looks alive at the TCP level). freeze(false) resumes.
   */
  freeze(frozen = true): void {
    this.frozen = frozen;
  }

  /** The SDP ffmpeg wrote for its RTP output (before describeSdp() adapts it). */
  get encoderSdp(): string {
    return this.sdp;
  }

  /** The remote side drops: encoder killed, every RTSP connection cut, the port closed. */
  async stop(): Promise<void> {
    const encoder = this.encoder;
    this.encoder = null;
    encoder?.kill('SIGKILL');
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.sessions.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
    for (const s of [this.rtp, this.rtcp]) s?.close();
    this.rtp = this.rtcp = null;
    if (encoder) await exited(encoder);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private accept(socket: Socket): void {
    const connection = ++this.connections;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.once('close', () => {
      this.sockets.delete(socket);
      for (const [id, s] of this.sessions) if (s.connection === socket) this.sessions.delete(id);
    });
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        // A client may interleave its own RTCP on the same connection (§10.12): skip those frames.
        if (buffered.length > 0 && buffered[0] === 0x24) {
          if (buffered.length < 4) return;
          const length = buffered.readUInt16BE(2);
          if (buffered.length < 4 + length) return;
          buffered = buffered.subarray(4 + length);
          continue;
        }
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('utf8');
        const headers = parseHeaders(head);
        const bodyLength = Number(headers['content-length'] ?? 0);
        if (buffered.length < end + 4 + bodyLength) return;
        buffered = buffered.subarray(end + 4 + bodyLength);
        const [method = '', url = ''] = (head.split('\r\n')[0] ?? '').split(' ');
        const record: RtspRequestRecord = { method, url, headers, connection, at: performance.now(), status: 0 };
        this.requests.push(record);
        this.answer(socket, record);
      }
    });
  }

  private answer(socket: Socket, request: RtspRequestRecord): void {
    const { method, url, headers } = request;
    // Every response echoes the request's CSeq (§12.17).
    const reply = (status: string, extra: Record<string, string> = {}, body = '') => {
      request.status = Number(status.slice(0, 3));
      const lines = [`RTSP/1.0 ${status}`, `CSeq: ${headers['cseq'] ?? '0'}`, 'Server: framewire-rtsp-test'];
      for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
      if (body.length > 0) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    };
    const path = pathOf(url);
    const base = `rtsp://127.0.0.1:${this.port}${this.options.path}`;
    const session = headers['session'] !== undefined ? this.sessions.get(headers['session'].split(';')[0]!.trim()) : undefined;
    switch (method) {
      case 'OPTIONS':
        // Listing GET_PARAMETER in Public (§12.28) is what makes ffmpeg use it as keep-alive.
        reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' });
        return;
      case 'DESCRIBE':
        if (path !== this.options.path) return reply('404 Not Found');
        // Content-Base (§12.11) anchors the relative control URL of the SDP (Appendix C.1.1).
        reply('200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': `${base}/` }, this.describeSdp());
        return;
      case 'SETUP': {
        if (path !== `${this.options.path}/streamid=0`) return reply('404 Not Found');
        const transport = headers['transport'] ?? '';
        // Only RTP/AVP/TCP with interleaved channels (§10.12, §12.39): UDP is refused with 461,
        // as by a server behind NAT that can only answer over the RTSP connection.
        const interleaved = /RTP\/AVP\/TCP/i.test(transport) ? /interleaved=(\d+)(?:-(\d+))?/i.exec(transport) : null;
        if (!interleaved) return reply('461 Unsupported Transport');
        const rtpChannel = Number(interleaved[1]);
        const rtcpChannel = interleaved[2] !== undefined ? Number(interleaved[2]) : rtpChannel + 1;
        const id = `fw${++this.sessionCounter}${Math.random().toString(16).slice(2, 10)}`;
        this.sessions.set(id, { id, connection: socket, rtpChannel, rtcpChannel, playing: false });
        reply('200 OK', {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${rtpChannel}-${rtcpChannel}`,
          Session: `${id};timeout=${this.options.sessionTimeoutS}`,
        });
        return;
      }
      case 'PLAY':
        if (!session) return reply('454 Session Not Found');
        // The response goes out before the first interleaved frame (§10.5: data follows PLAY's 200).
        reply('200 OK', { Session: session.id, Range: 'npt=0.000-' });
        session.playing = true;
        return;
      case 'GET_PARAMETER':
        // An empty GET_PARAMETER is a keep-alive ("ping", §10.8).
        reply('200 OK', session ? { Session: session.id } : {});
        return;
      case 'TEARDOWN':
        if (session) this.sessions.delete(session.id);
        reply('200 OK');
        return;
      default:
        reply('501 Not Implemented');
    }
  }

  /**
   * ffmpeg's SDP made fit for DESCRIBE: the m= port is 0 and c= is unspecified (the transport is
   * chosen by SETUP, Appendix C.1), and control attributes are added (C.1.1: `*` at session
   * level, one relative URL per medium). Everything else (rtpmap, fmtp with the profile and
   * parameter sets) is the encoder's own.
   */
  private describeSdp(): string {
    const lines = this.sdp.split(/\r?\n/).filter((l) => l.length > 0 && !l.startsWith('a=control:'));
    const out: string[] = [];
    for (const line of lines) {
      if (line.startsWith('c=')) out.push('c=IN IP4 0.0.0.0');
      else if (line.startsWith('m=video ')) out.push(line.replace(/^m=video \d+/, 'm=video 0'));
      else out.push(line);
      if (line.startsWith('t=')) out.push('a=control:*');
    }
    out.push('a=control:streamid=0');
    return `${out.join('\r\n')}\r\n`;
  }

  private relay(packet: Buffer, kind: 'rtp' | 'rtcp'): void {
    if (this.frozen) return;
    for (const session of this.sessions.values()) {
      if (!session.playing || session.connection.destroyed) continue;
      // §10.12: '$', the channel, the length (16-bit, network order), then the packet as is.
      const header = Buffer.from([0x24, kind === 'rtp' ? session.rtpChannel : session.rtcpChannel, packet.length >> 8, packet.length & 0xff]);
      session.connection.write(Buffer.concat([header, packet]));
      if (kind === 'rtp') this.rtpPacketsRelayed++;
    }
  }
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/$/, '');
  } catch {
    return url;
  }
}

function bindUdp(): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function udpPort(socket: UdpSocket): number {
  return socket.address().port;
}

/** ffmpeg writes the SDP once the RTP muxer is set up (the encoder is open). */
async function waitForSdp(file: string, encoder: ChildProcess): Promise<string> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (encoder.exitCode !== null) throw new Error(`the RTP encoder exited with ${encoder.exitCode}`);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // not written yet
    }
    if (/^m=video /m.test(text) && /^a=rtpmap:/m.test(text) && text.endsWith('\n')) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the RTP encoder wrote no SDP within 10 s');
}
