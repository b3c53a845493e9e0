'use client';

import type { RoomConnection, RoomTarget, TandemClient } from '@tandem/client';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { extrasOf } from './extras.js';

const ClientContext = createContext<TandemClient | null>(null);
const RoomContext = createContext<RoomConnection | null>(null);

/** Props of {@link TandemProvider}. */
export interface TandemProviderProps {
  /** The client every {@link RoomProvider} below joins rooms with. */
  client: TandemClient;
  children?: ReactNode;
}

/**
 * Makes a {@link TandemClient} available to the tree below: {@link RoomProvider} joins rooms with it
 * and {@link useClient} returns it. Create the client once (outside render, or in a `useState`
 * initialiser) so every render gets the same one.
 *
 * @example
 * const client = createClient({ url: 'https://tandem.example.com', auth: { guest: 'Ada' } });
 *
 * function App() {
 *   return (
 *     <TandemProvider client={client}>
 *       <RoomProvider target={{ roomId: 'lesson-42' }}>
 *         <Lesson />
 *       </RoomProvider>
 *     </TandemProvider>
 *   );
 * }
 */
export function TandemProvider({ client, children }: TandemProviderProps): ReactNode {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/** Props of {@link RoomProvider} that join a room: by id, by join code, or an app room by name. */
export interface JoinRoomProviderProps {
  /**
   * Where to connect: `{ roomId }`, `{ code }`, or an app-named room `{ room: 'lesson-42', mode:
   * 'yjs' }`. A new connection is made only when the room id, join code, or room name and mode
   * change.
   */
  target: RoomTarget;
  /** The client to join with. Default: the one from {@link TandemProvider}. */
  client?: TandemClient;
  /** Shown until the connection object exists (the first commit). Default: nothing. */
  fallback?: ReactNode;
  room?: never;
  children?: ReactNode;
}

/** Props of {@link RoomProvider} that share a connection the app made (and will leave) itself. */
export interface ExistingRoomProviderProps {
  /** A connection from {@link TandemClient.join}; the provider never leaves it. */
  room: RoomConnection;
  target?: never;
  client?: never;
  fallback?: never;
  children?: ReactNode;
}

/** Props of {@link RoomProvider}. */
export type RoomProviderProps = JoinRoomProviderProps | ExistingRoomProviderProps;

const roomKeys = new WeakMap<RoomConnection, number>();
let nextRoomKey = 1;
function keyOf(room: RoomConnection): number {
  let key = roomKeys.get(room);
  if (key === undefined) {
    key = nextRoomKey++;
    roomKeys.set(room, key);
  }
  return key;
}

/**
 * Gives the tree below one room connection, which every `use…` hook of this package reads.
 *
 * With `target`, the provider joins the room (`client.join(target)`) in an effect keyed on the room
 * id, join code, or app room name and mode, and leaves it on unmount or when the id or code changes: re-rendering with an
 * equal target object keeps the connection. With `room`, it shares a connection the app owns and
 * never leaves it.
 *
 * The subtree is remounted when the connection changes, so no component state outlives the room
 * it belonged to. Until the connection exists (just the first commit) `fallback` is shown.
 *
 * @example
 * <RoomProvider target={{ code: joinCode }} fallback={<Spinner />}>
 *   <ConnectionPill />
 *   <Board />
 * </RoomProvider>
 *
 * @example
 * // The app's own document, by the name the app gives it:
 * <RoomProvider target={{ room: 'lesson-42', mode: 'yjs' }}><Editor /></RoomProvider>
 *
 * @example
 * // A connection made elsewhere (e.g. kept across routes):
 * const room = client.join({ roomId });
 * <RoomProvider room={room}><Board /></RoomProvider>
 */
export function RoomProvider(props: RoomProviderProps): ReactNode {
  const contextClient = useContext(ClientContext);
  const given = props.room;
  const client = props.client ?? contextClient;
  const target = props.target;
  const roomId = target && 'roomId' in target ? target.roomId : undefined;
  const code = target && 'code' in target ? target.code : undefined;
  const appRoom = target && 'room' in target ? target.room : undefined;
  const mode = target && 'room' in target ? target.mode : undefined;
  const [joined, setJoined] = useState<RoomConnection | undefined>(undefined);

  useEffect(() => {
    if (given || !client) return;
    const where: RoomTarget | undefined =
      roomId !== undefined
        ? { roomId }
        : code !== undefined
          ? { code }
          : appRoom !== undefined
            ? { room: appRoom, ...(mode ? { mode } : {}) }
            : undefined;
    if (!where) return;
    const room = client.join(where);
    // Start tracking at once, so an error before any hook mounts is still reported by useStatus.
    extrasOf(room);
    setJoined(room);
    return () => {
      room.leave();
      setJoined((current) => (current === room ? undefined : current));
    };
  }, [given, client, roomId, code, appRoom, mode]);

  if (!given && !client) {
    throw new Error(
      '<RoomProvider target> needs a client: wrap it in <TandemProvider client={…}> or pass client',
    );
  }
  const room = given ?? joined;
  if (!room) return props.fallback ?? null;
  return (
    <RoomContext.Provider key={keyOf(room)} value={room}>
      {props.children}
    </RoomContext.Provider>
  );
}

/**
 * The {@link TandemClient} of the nearest {@link TandemProvider}.
 *
 * @throws outside a `TandemProvider`.
 * @example
 * const client = useClient();
 * const start = async () => setSession(await client.host({ policy: 'host-approval' }));
 */
export function useClient(): TandemClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient must be used inside <TandemProvider>');
  return client;
}

/**
 * The {@link RoomConnection} of the nearest {@link RoomProvider}: the escape hatch to everything the
 * hooks do not cover. Reading its getters during render does not subscribe; use the hooks (or
 * {@link useEvent}) to re-render on changes.
 *
 * @throws outside a `RoomProvider`.
 * @example
 * const room = useRoom();
 * const onPointerMove = (e: PointerEvent) => room.updateCursor({ kind: '2d', x: e.clientX, y: e.clientY });
 */
export function useRoom(): RoomConnection {
  const room = useContext(RoomContext);
  if (!room) throw new Error('useRoom (and every Tandem room hook) must be used inside <RoomProvider>');
  return room;
}
