// Every package's main entry point, with a value and a type from each, for the typechecks under
// each module resolution (`node`, `node16`, `bundler`).
import { createClient, type RoomConnection } from '@tandem/client';
import { encode, PROTOCOL_VERSION } from '@tandem/protocol';
import { RoomProvider, type RoomProviderProps, TandemProvider } from '@tandem/react';
import { MemoryRoomStore, type RoomStore } from '@tandem/room';
import { TandemServer, type TandemServerConfig } from '@tandem/server';
import { YjsDocument } from '@tandem/yjs';

export const config: TandemServerConfig = { port: 0, data: ':memory:' };
export const start: (config?: TandemServerConfig) => Promise<TandemServer> = TandemServer.start;
export const store: RoomStore = new MemoryRoomStore();
export const hello: Uint8Array = encode({
  type: 'hello',
  version: PROTOCOL_VERSION,
  clientId: '',
  name: '',
  since: 0,
});
export const join = (url: string): RoomConnection =>
  createClient({ url, auth: { guest: 'Ada' } }).join({ roomId: 'lesson-42' });
export const providers = [RoomProvider, TandemProvider] as const;
export type Props = RoomProviderProps;
export const yjs = YjsDocument;
