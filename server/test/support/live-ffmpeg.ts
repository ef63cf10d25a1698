import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

/** A port that was free a moment ago (for listeners that ffmpeg, not Node, opens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A real-time 320x240@30 test pattern encoded as OBS does for live (x264 veryfast, zerolatency, no B-frames). */
export const OBS_LIKE_ARGS = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0', '-g', '15', '-pix_fmt', 'yuv420p'];

export function spawnFfmpeg(args: string[]): ChildProcess & { exitCode: number | null } {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * A remote live source for pull tests: ffmpeg encodes a real-time test pattern into MPEG-TS and
 * every HTTP request gets the stream from "now" on, like a camera's or encoder's HTTP output.
 * (ffmpeg's own `-listen 1` HTTP output serves one client only, and the pulling side connects
 * twice: ffprobe, then ffmpeg.) stop() kills the encoder and cuts every connection: the remote
 * side dropping.
 */
export class LiveTsOrigin {
  private encoder: ChildProcess | null = null;
  private server: Server | null = null;
  private readonly clients = new Set<ServerResponse>();
  requests = 0;

  /** gop: key frame interval in frames (30 fps); OBS_LIKE_ARGS has 15. */
  constructor(private readonly gop = 15) {}

  async start(port = 0): Promise<number> {
    const args = OBS_LIKE_ARGS.map((a, i) => (OBS_LIKE_ARGS[i - 1] === '-g' ? String(this.gop) : a));
    const encoder = spawnFfmpeg([...args, '-f', 'mpegts', '-flush_packets', '1', 'pipe:1']);
    this.encoder = encoder;
    encoder.stdout!.on('data', (chunk: Buffer) => {
      for (const res of this.clients) res.write(chunk);
    });
    const server = createHttpServer((req, res) => {
      this.requests++;
      res.writeHead(200, { 'content-type': 'video/mp2t' });
      this.clients.add(res);
      req.once('close', () => this.clients.delete(res));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.encoder?.kill('SIGKILL');
    for (const res of this.clients) res.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (this.encoder) await exited(this.encoder);
    this.encoder = null;
  }
}
