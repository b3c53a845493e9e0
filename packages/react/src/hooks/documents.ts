'use client';

import type { OpsMirror, OpsReducer, RoomConnection } from '@tandem/client';
import { useCallback, useMemo } from 'react';
import { useRoom } from '../context.js';
import { type SliceSource, useRoomSlice } from '../store.js';

/** Sets the whole document; `resource` names the locked resource the edit touches. */
export type LwwSetter<T> = (value: T, options?: { resource?: string }) => Promise<number>;

const lwwSource: SliceSource = (room, onChange) => room.lww.subscribe(onChange);

/** Parsed documents by their bytes, so every component reading one document shares one value. */
const parsed = new WeakMap<Uint8Array, unknown>();
function parse(room: RoomConnection): unknown {
  const bytes = room.lww.bytes;
  if (!parsed.has(bytes)) parsed.set(bytes, room.lww.json());
  return parsed.get(bytes);
}

/**
 * The room's whole document in `lww` mode (last write wins), parsed as JSON, and its setter. A
 * local `set` shows at once; the room's order decides what everyone ends with. The value is
 * `undefined` until a document exists. Its identity changes only when the document does.
 *
 * @example
 * const [lesson, setLesson] = useLww<{ title: string }>();
 * <input value={lesson?.title ?? ''} onChange={(e) => void setLesson({ ...lesson, title: e.target.value })} />
 */
export function useLww<T = unknown>(): readonly [value: T | undefined, set: LwwSetter<T>] {
  const room = useRoom();
  const value = useRoomSlice(lwwSource, parse) as T | undefined;
  const set = useCallback<LwwSetter<T>>((next, options) => room.lww.set(next, options), [room]);
  return useMemo(() => [value, set] as const, [value, set]);
}

/** Sends an operation; resolves with its sequence number once it is durable in the room. */
export type OpsSubmit<O> = (op: O, options?: { resource?: string }) => Promise<number>;

const opsSource: SliceSource = (room, onChange) => room.ops.subscribeState(onChange);

function hasReducer(ops: OpsMirror): boolean {
  try {
    void ops.state;
    return true;
  } catch {
    return false;
  }
}

/**
 * The room's operations (`ops` mode) folded by `reducer` into state, and `submit`. Own ops show at
 * once and are rebased onto whatever the room ordered before them; every client converges on the
 * room's order.
 *
 * The first reducer given for a connection is the one used (the connection keeps one), so define
 * it once at module level. A reducer the app gave `room.ops.use` itself is kept.
 *
 * @example
 * type Op = { add: string };
 * const todos: OpsReducer<string[], Op> = { initial: [], apply: (s, op) => [...s, op.add] };
 *
 * function Todos() {
 *   const [items, submit] = useOps(todos);
 *   return <button type="button" onClick={() => void submit({ add: 'milk' })}>{items.length} items</button>;
 * }
 */
export function useOps<S, O>(reducer: OpsReducer<S, O>): readonly [state: S, submit: OpsSubmit<O>] {
  const room = useRoom();
  const ops = room.ops as unknown as OpsMirror<S, O>;
  // Registering during render is safe: it happens once per connection and changes nothing a
  // render has read (state needs a reducer before it can be read at all).
  if (!hasReducer(room.ops)) ops.use(reducer);
  // Read again only after a state change; with no own ops pending the state keeps its identity.
  const state = useRoomSlice(opsSource, (r) => (r.ops as unknown as OpsMirror<S, O>).state);
  const submit = useCallback<OpsSubmit<O>>((op, options) => ops.submit(op, options), [ops]);
  return useMemo(() => [state, submit] as const, [state, submit]);
}

/**
 * The room's `Y.Doc` (`yjs` mode): bind editor bindings (y-prosemirror, y-codemirror, …) to it.
 * The same document for the life of the connection; Yjs tracks its own changes, so this hook
 * never re-renders.
 *
 * @example
 * const doc = useYDoc();
 * const text = doc.getText('body');
 */
export function useYDoc(): RoomConnection['yjs'] {
  return useRoom().yjs;
}

/**
 * The room's Yjs awareness (`yjs` mode): the y-protocols `Awareness` editor bindings take from a
 * provider, for collaborators' carets and selections. Others' states carry their verified name
 * and room colour in `user`. The same object for the life of the connection; subscribe to its
 * `change` event for what it holds, so this hook never re-renders.
 *
 * @example
 * const doc = useYDoc();
 * const awareness = useAwareness();
 * const editor = useEditor({
 *   extensions: [
 *     Collaboration.configure({ document: doc }),
 *     CollaborationCaret.configure({ provider: { awareness } }),
 *   ],
 * });
 */
export function useAwareness(): RoomConnection['awareness'] {
  return useRoom().awareness;
}
