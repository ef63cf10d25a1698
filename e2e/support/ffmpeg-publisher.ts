/** ffmpeg as an HTTP publisher: a lavfi test pattern encoded live and PUT to /publish/NAME. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface FfmpegPublisher {
  proc: ChildProcess;
  /** Resolves with the exit code and stderr when ffmpeg ends. */
  exited: Promise<{ code: number | null; stderr: string }>;
  kill(): Promise<void>;
}

export function ffmpegPublish(url: string, options: { seconds?: number; size?: string } = {}): FfmpegPublisher {
  const args = [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${options.size ?? '640x360'}:rate=30`,
    ...(options.seconds !== undefined ? ['-t', String(options.seconds)] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p',
    '-f', 'h264', '-method', 'PUT', url,
  ];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 8000) stderr += d;
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.once('exit', (code) => resolve({ code, stderr })));
  return {
    proc,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
