/** Runs ffmpeg once on an in-memory input and returns its stdout. */
import { spawn } from 'node:child_process';

export function runFfmpeg(args: string[], input: Uint8Array | Uint8Array[], timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const proc = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`ffmpeg timed out: ${args.join(' ')}\n${err}`));
    }, timeoutMs);
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => {
      if (err.length < 8000) err += d.toString();
    });
    proc.stdin.on('error', () => {});
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited with ${code}: ${args.join(' ')}\n${err}`));
    });
    for (const chunk of Array.isArray(input) ? input : [input]) proc.stdin.write(chunk);
    proc.stdin.end();
  });
}
