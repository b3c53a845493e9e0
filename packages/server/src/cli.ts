#!/usr/bin/env node
import { ConfigError, helpText, resolveOptions } from './config/parse.js';
import { TandemServer } from './server.js';

const USAGE = 'Usage: tandem serve [options]   (tandem serve --help for every option)\n';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(command === undefined ? USAGE : helpText());
    return command === undefined ? 1 : 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`tandem: unknown command "${command}"\n${USAGE}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(helpText());
    return 0;
  }
  let options: ReturnType<typeof resolveOptions>;
  try {
    options = resolveOptions({
      argv: rest,
      env: process.env,
      isTty: process.stdout.isTTY === true,
      warn: (message) => process.stderr.write(`tandem: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tandem: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let server: TandemServer;
  try {
    server = await TandemServer.start(options);
  } catch (error) {
    // A port in use, an unreachable database: the message says what to fix; a stack would bury it.
    process.stderr.write(`tandem: could not start: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
  // Said whatever the log level; on stderr when stdout carries JSON logs, which a collector reads
  // one object per line.
  const said = `Tandem is running at ${server.url}\n`;
  if (options.logFormat === 'json') process.stderr.write(said);
  else process.stdout.write(said);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      server.logger.info({ signal }, 'signal received');
      void server.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tandem: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
