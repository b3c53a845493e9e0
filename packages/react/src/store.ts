'use client';

import type { RoomConnection, RoomEvents } from '@tandem/client';
import { useCallback, useRef, useSyncExternalStore } from 'react';
import { useRoom } from './context.js';

/** Subscribes `onChange` to whatever a slice depends on; returns the unsubscribe. */
export type SliceSource = (room: RoomConnection, onChange: () => void) => () => void;

interface Cache<T> {
  room: RoomConnection;
  key: string;
  dirty: boolean;
  value: T;
}

/**
 * One slice of a room's state through `useSyncExternalStore`. The slice is read again only after
 * one of its own sources fired (or after subscribing), and a read equal to the last one (by
 * `isEqual`) returns the last value, so the component re-renders only when its slice changed —
 * an event the slice does not listen to never reaches it, and one it listens to that changes
 * nothing in it is absorbed here.
 *
 * `key` names whatever else the read depends on (a resource id); a new key reads afresh.
 */
export function useRoomSlice<T>(
  source: SliceSource,
  read: (room: RoomConnection) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
  key = '',
): T {
  const room = useRoom();
  const cache = useRef<Cache<T> | null>(null);
  // Callers pass module-level sources, so this subscribes again only for a new room.
  const subscribe = useCallback(
    (notify: () => void) => {
      const invalidate = () => {
        if (cache.current) cache.current.dirty = true;
      };
      // Whatever happened before this subscription is read again by React's post-subscribe check.
      invalidate();
      return source(room, () => {
        invalidate();
        notify();
      });
    },
    [room, source],
  );
  const getSnapshot = (): T => {
    const c = cache.current;
    const same = c !== null && c.room === room && c.key === key;
    if (same && !c.dirty) return c.value;
    const next = read(room);
    if (same && isEqual(c.value, next)) {
      c.dirty = false;
      return c.value;
    }
    cache.current = { room, key, dirty: false, value: next };
    return next;
  };
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/** A source that fires on any of the given room events. */
export function onEvents(...names: (keyof RoomEvents)[]): SliceSource {
  return (room, onChange) => {
    const offs = names.map((name) => room.on(name, onChange));
    return () => {
      for (const off of offs) off();
    };
  };
}

/** Several sources as one. */
export function combine(...sources: SliceSource[]): SliceSource {
  return (room, onChange) => {
    const offs = sources.map((s) => s(room, onChange));
    return () => {
      for (const off of offs) off();
    };
  };
}

/** Same length and the same elements (by identity). */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Same keys and the same values (by identity), one level deep. */
export function sameFields<T extends object>(a: T, b: T): boolean {
  if (a === b) return true;
  const ka = Object.keys(a) as (keyof T)[];
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is(a[k], b[k]));
}
