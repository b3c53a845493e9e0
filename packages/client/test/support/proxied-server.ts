import { afterEach, beforeEach } from 'vitest';
import type { TandemServer, TandemServerConfig } from '../../../server/src/server.js';
import { startServer } from '../../../server/test/support/server.js';
import { TcpProxy } from '../../../server/test/support/tcp-proxy.js';
import type { RoomConnection } from '../../src/index.js';

/** A server per test with a cuttable proxy in front of it, and the rooms to leave afterwards. */
export interface ProxiedServer {
  readonly server: TandemServer;
  readonly proxy: TcpProxy;
  /** Rooms left after each test. */
  readonly rooms: RoomConnection[];
}

/** Starts a fresh server and proxy before each test of the file and stops them after it. */
export function useProxiedServer(config: TandemServerConfig = {}): ProxiedServer {
  const state = { rooms: [] as RoomConnection[] } as {
    server: TandemServer;
    proxy: TcpProxy;
    rooms: RoomConnection[];
  };
  beforeEach(async () => {
    state.server = await startServer({ joinsPerMinute: 1000, docRate: 1000, ...config });
    state.proxy = await TcpProxy.start(state.server.url);
  });
  afterEach(async () => {
    for (const r of state.rooms.splice(0)) r.leave();
    await state.proxy.close();
    await state.server.close();
  });
  return state;
}
