// Hocuspocus 3 with its defaults (no extensions, no persistence): awareness is relayed to every
// connection of the document.
import { Server } from '@hocuspocus/server';

const port = Number(process.argv[2]);
const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: false });
await server.listen();
console.log('ready');
process.on('SIGTERM', () => process.exit(0));
