// Child processes, CPU pinning, /proc readers and cleanup. Every child the bench starts is
// registered here and killed on exit, error and SIGINT/SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set();
let hooked = false;

function killAll(signal = 'SIGKILL') {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {}
    }
  }
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      killAll('SIGKILL');
      process.exit(130);
    });
  }
}

/** Whether `taskset` can pin (Linux with util-linux); without it processes run unpinned. */
export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/**
 * Starts `node <args>` pinned to `cpu` (via taskset, which execs node: the pid is node's).
 * Output is collected; `onLine` sees stdout lines.
 */
export function spawnNode(args, { cpu, env = {}, onLine } = {}) {
  hookExit();
  const [cmd, argv] =
    cpu !== undefined && canPin
      ? ['taskset', ['-c', String(cpu), process.execPath, ...args]]
      : [process.execPath, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  child.stdoutText = '';
  child.stderrText = '';
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    const text = chunk.toString();
    child.stdoutText += text;
    buffer += text;
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      onLine?.(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
  });
  child.stderr.on('data', (chunk) => {
    child.stderrText = (child.stderrText + chunk.toString()).slice(-20_000);
  });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child, graceMs = 2000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once an HTTP GET to 127.0.0.1:port answers (any status), or rejects after `timeoutMs`. */
export async function waitForHttp(port, path = '/', timeoutMs = 15_000, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`server exited early: ${child.stderrText}`);
    }
    try {
      await fetch(`http://127.0.0.1:${port}${path}`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server on port ${port} did not answer within ${timeoutMs} ms`);
}

export const CLK_TCK = 100;

/** CPU time (user + system) of a process in microseconds, from /proc/<pid>/stat. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / CLK_TCK;
}

/** VmHWM (peak RSS) and VmRSS of a process in bytes. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
}

/** Busy CPU time of the whole machine (all CPUs, excluding idle and iowait) in microseconds, from /proc/stat. */
export function machineBusyMicros() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal; guest time is inside user
  return ((total - v[3] - v[4]) * 1e6) / CLK_TCK;
}
