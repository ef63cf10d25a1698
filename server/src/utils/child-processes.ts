import type { ChildProcess } from 'node:child_process';

/**
 * Every ffmpeg/ffprobe the server has running, so that a shutdown that hits its deadline
 * (main.ts) can SIGKILL them instead of leaving orphans: a child whose parent exited keeps a
 * camera or an RTSP session open until its own next write fails, or forever if it is stuck.
 */
const running = new Set<ChildProcess>();

export function trackChild<T extends ChildProcess>(child: T): T {
  running.add(child);
  const forget = () => running.delete(child);
  child.once('exit', forget);
  child.once('error', forget); // spawn failed: no 'exit' follows
  return child;
}

/** SIGKILLs every tracked child still running; returns how many there were. */
export function killChildren(): number {
  let killed = 0;
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      killed++;
    }
  }
  running.clear();
  return killed;
}

/** Tracked children still running (tests). */
export function runningChildren(): number {
  return running.size;
}
