// One measured run: a fresh server (CPU 0) and one load-generator process (CPU 1).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode, stop } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** `onLine` sees the generator's stdout lines as they come (progress). */
export async function runLoad(system, generator, config, { timeoutMs, start = {}, onLine } = {}) {
  // bounded: the measured window plus a generous allowance for setup and drain
  timeoutMs ??= (config.warmupMs ?? 0) + (config.measureMs ?? 0) + 90_000;
  const port = await freePort();
  const server = await system.start(port, start);
  let gen;
  try {
    gen = spawnNode(
      [join(here, '..', 'load', generator), JSON.stringify({ ...config, port, serverPid: server.pid })],
      { cpu: 1, onLine },
    );
    const timer = setTimeout(() => gen.kill('SIGKILL'), timeoutMs);
    const exit = await gen.exited;
    clearTimeout(timer);
    const line = gen.stdoutText.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`generator failed (${JSON.stringify(exit)}): ${gen.stderrText.slice(-2000)}`);
    return JSON.parse(line.slice('RESULT '.length));
  } finally {
    await stop(gen);
    await stop(server);
  }
}
