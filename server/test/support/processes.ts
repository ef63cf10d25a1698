import { readdirSync, readFileSync } from 'node:fs';

/**
 * Live child processes of this test process whose command line contains every string of
 * `match` (Linux /proc), e.g. the ffmpeg a source spawned. Children only: other work on the
 * machine running ffmpeg with the same arguments does not count. Zombies (exited, not yet
 * reaped) are left out: their process is gone.
 */
export function childProcesses(match: readonly string[]): { pid: number; args: string[] }[] {
  const out: { pid: number; args: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so parse after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0);
      if (match.every((m) => args.some((a) => a.includes(m)))) out.push({ pid: Number(entry), args });
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}
