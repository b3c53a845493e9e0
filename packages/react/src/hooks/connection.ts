'use client';

import type { ActivityEntry, ConnectionStatus, Participant, RoomEvents, TandemError } from '@tandem/client';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useRoom } from '../context.js';
import { extrasOf } from '../extras.js';
import { combine, onEvents, type SliceSource, sameFields, sameItems, useRoomSlice } from '../store.js';

/** What {@link useStatus} returns. */
export interface StatusView {
  /** Where the connection is: `connecting`, `waiting` (for the host), `connected`, `reconnecting`… */
  status: ConnectionStatus;
  /** Why the connection is `reconnecting` or `disconnected`; undefined otherwise. */
  error: TandemError | undefined;
  /** The most recent error of any kind (a status change's cause or a notice such as a rate limit). */
  lastError: TandemError | undefined;
}

// Extras first: its status listener must run before this one reads it.
const statusSource: SliceSource = (room, onChange) => {
  const offError = extrasOf(room).on('error', onChange);
  const offStatus = room.on('status', onChange);
  return () => {
    offStatus();
    offError();
  };
};

/**
 * The connection's status and errors. Re-renders only when they change.
 *
 * @example
 * const { status, error } = useStatus();
 * if (status === 'disconnected') return <p role="alert">Disconnected: {error?.message}</p>;
 */
export function useStatus(): StatusView {
  return useRoomSlice(
    statusSource,
    (room) => {
      const extras = extrasOf(room);
      return { status: room.status, error: extras.statusError, lastError: extras.lastError };
    },
    sameFields,
  );
}

const selfSource = onEvents('self', 'status');

/**
 * This participant once admitted (slot, name, colour, role, presence), else undefined.
 *
 * @example
 * const self = useSelf();
 * return self ? <span style={{ color: self.color }}>{self.name} (you)</span> : null;
 */
export function useSelf(): Participant | undefined {
  return useRoomSlice(selfSource, (room) => room.self);
}

/**
 * True while this participant is a viewer: it sees everything and its edits fail with a
 * `ReadOnlyError`. Follows the host's changes. Use it to make editing controls read-only.
 *
 * @example
 * const readOnly = useReadOnly();
 * return <textarea readOnly={readOnly} />;
 */
export function useReadOnly(): boolean {
  return useRoomSlice(selfSource, (room) => room.readOnly);
}

const othersSource = onEvents('others', 'status');

/**
 * Everyone else admitted to the room, in join order. A new array only when someone joins, leaves,
 * or changes presence or visibility; cursor moves and chat never re-render it.
 *
 * @example
 * const others = useOthers();
 * return <p>{others.length} others here</p>;
 */
export function useOthers(): readonly Participant[] {
  return useRoomSlice(othersSource, (room) => room.others, sameItems);
}

const presenceSource = combine(onEvents('self', 'status'), (room, onChange) =>
  extrasOf(room).on('presence', onChange),
);

/** What {@link usePresence} returns: own presence, replace it, merge into it. */
export type PresenceHandle<P> = readonly [
  presence: P | undefined,
  setPresence: (presence: P) => void,
  updatePresence: (patch: Partial<P>) => void,
];

/**
 * This participant's presence (any JSON the app chooses: what it is looking at, a status…) and
 * setters. Others see it in their {@link useOthers} `presence`. It is kept across reconnects.
 *
 * @example
 * const [presence, setPresence, updatePresence] = usePresence<{ page: number; typing?: boolean }>();
 * useEffect(() => setPresence({ page: 1 }), [setPresence]);
 * <input onFocus={() => updatePresence({ typing: true })} />
 */
export function usePresence<P = unknown>(): PresenceHandle<P> {
  const room = useRoom();
  const presence = useRoomSlice(presenceSource, (r) => {
    const local = extrasOf(r).presence;
    return (local ? local.value : r.self?.presence) as P | undefined;
  });
  const setPresence = useCallback(
    (value: P) => {
      room.setPresence(value);
      extrasOf(room).setPresence(value);
    },
    [room],
  );
  const updatePresence = useCallback(
    (patch: Partial<P>) => {
      const local = extrasOf(room).presence;
      const current = local ? local.value : room.self?.presence;
      const base = typeof current === 'object' && current !== null ? current : {};
      setPresence({ ...base, ...patch } as P);
    },
    [room, setPresence],
  );
  return useMemo(
    () => [presence, setPresence, updatePresence] as const,
    [presence, setPresence, updatePresence],
  );
}

const activitySource = onEvents('activity');

/**
 * The room's recent activity (joins, leaves, edits, lock changes, errors), newest first, at most
 * 20 entries: what a debugging or "what happened" panel shows.
 *
 * @example
 * const activity = useActivity();
 * return <ol>{activity.map((a) => <li key={`${a.at}-${a.message}`}>{a.message}</li>)}</ol>;
 */
export function useActivity(): readonly ActivityEntry[] {
  return useRoomSlice(activitySource, (room) => room.activity);
}

const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Calls `handler` on every `name` event of the room. The listener is attached once per
 * connection; the latest `handler` is kept in a ref, so an inline function does not resubscribe.
 *
 * @example
 * useEvent('join', (p) => toast(`${p.name} joined`));
 * useEvent('cursor', (slot, cursor) => draw(slot, cursor));
 */
export function useEvent<K extends keyof RoomEvents>(
  name: K,
  handler: (...args: RoomEvents[K]) => void,
): void {
  const room = useRoom();
  const latest = useRef(handler);
  useIsomorphicLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => room.on(name, (...args: RoomEvents[K]) => latest.current(...args)), [room, name]);
}
