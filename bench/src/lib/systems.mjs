// How each system's server is started: its own child process pinned to CPU 0, on 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, waitForHttp } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const benchDir = join(here, '..', '..');
export const repoDir = join(benchDir, '..');

/** The installed version of `pkg`, from the bench's or the repository's node_modules. */
export function versionOf(pkg) {
  for (const dir of [join(benchDir, 'node_modules'), join(repoDir, 'node_modules')]) {
    try {
      return JSON.parse(readFileSync(join(dir, pkg, 'package.json'), 'utf8')).version;
    } catch {}
  }
  return 'unknown';
}

function script(name) {
  return join(here, '..', 'servers', name);
}

/** BENCH_CPU_PROF=<dir>: every server runs under `node --cpu-prof`, its profile written there when it exits. */
function profiling() {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Starts one of the peers' server scripts on `port`, pinned to CPU 0; resolves once it says it is ready. */
function scriptServer(name) {
  return async (port) => {
    const child = spawnNode([...profiling(), script(name), String(port)], { cpu: 0 });
    await readyLine(child);
    return child;
  };
}

async function readyLine(child, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!child.stdoutText.includes('ready')) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited: ${child.stderrText}`);
    if (Date.now() > deadline) throw new Error(`server not ready: ${child.stderrText}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const SYSTEMS = [
  {
    id: 'relay',
    label: 'ws relay (floor)',
    version: () => `ws ${versionOf('ws')}`,
    start: scriptServer('relay.mjs'),
  },
  {
    id: 'socketio',
    label: 'Socket.IO',
    version: () =>
      `socket.io ${versionOf('socket.io')} (client: socket.io-client ${versionOf('socket.io-client')})`,
    start: scriptServer('socketio.mjs'),
  },
  {
    id: 'hocuspocus',
    label: 'Hocuspocus',
    version: () => `@hocuspocus/server ${versionOf('@hocuspocus/server')} (yjs ${versionOf('yjs')})`,
    start: scriptServer('hocuspocus.mjs'),
  },
  {
    id: 'ywebsocket',
    label: 'y-websocket',
    version: () => `@y/websocket-server ${versionOf('@y/websocket-server')} (yjs ${versionOf('yjs')})`,
    start: scriptServer('ywebsocket.mjs'),
  },
  {
    id: 'tandem',
    label: 'Tandem',
    version: () => `@tandem/server ${versionOf('@tandem/server')} (this repository)`,
    /**
     * @param root - the repository whose server is started (another checkout, for `ab.mjs`)
     * @param args - further `serve` options, after the bench's own (a later one wins)
     * @param node - options for node itself, before the script (the soak's `--expose-gc`)
     * @param env - further environment variables for the server
     */
    async start(port, { data = ':memory:', root = repoDir, args = [], node = [], env = {} } = {}) {
      const child = spawnNode(
        [
          ...profiling(),
          ...node,
          join(root, 'packages/server/dist/cli.js'),
          'serve',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--data',
          data,
          '--cursor-rate',
          '1000',
          '--doc-rate',
          '1000',
          '--joins-per-minute',
          '100000',
          '--max-hosted-rooms',
          '100000',
          // Every load client comes from 127.0.0.1: the per-address limits would refuse them (a build
          // from before those limits, run as a baseline by bench:ab, has no such options).
          ...(knowsOption(root, 'guests-per-minute')
            ? ['--guests-per-minute', '100000', '--sessions-per-minute', '100000']
            : []),
          '--log-level',
          'warn',
          ...args,
        ],
        { cpu: 0, env },
      );
      await waitForHttp(port, '/healthz', 15_000, child);
      return child;
    },
  },
];

/** Whether the server built in `root` has the `serve` option `flag`. */
function knowsOption(root, flag) {
  const options = join(root, 'packages/server/dist/config/options.js');
  return existsSync(options) && readFileSync(options, 'utf8').includes(`'${flag}'`);
}
