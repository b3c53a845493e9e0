import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

/** A `tandem serve` process, as a user would run it. */
export interface ServerProcess {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the built CLI on port 0 and resolves with its URL once it says it is running. */
export function spawnServer(args: string[]): Promise<ServerProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--log-format', 'json', '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    // With JSON logs on stdout, the address is said on stderr.
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      const match = /^Tandem is running at (\S+)$/.exec(line);
      if (match) resolve({ url: match[1]!, wsUrl: match[1]!.replace(/^http/, 'ws'), child, exited });
    });
    void exited.then(({ code }) =>
      reject(new Error(`tandem serve exited (${code}) before starting:\n${stderr}`)),
    );
  });
}
