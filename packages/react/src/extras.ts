import type { RoomConnection, TandemError } from '@tandem/client';

type Topic = 'error' | 'presence';

/**
 * What the hooks know about a room beyond the connection's own getters: the last error and the
 * presence this client set through {@link usePresence}. One per connection, shared by every hook,
 * started when the provider joins (or on first use), so it sees errors that happen before any
 * hook that shows them mounts.
 */
export interface RoomExtras {
  /** The cause of the current status (set for `reconnecting` and `disconnected`). */
  readonly statusError: TandemError | undefined;
  /** The most recent error: a status change's cause or a notice from the room. */
  readonly lastError: TandemError | undefined;
  /** Own presence as last set through the hooks (`undefined`: never set). */
  readonly presence: { value: unknown } | undefined;
  setPresence(value: unknown): void;
  on(topic: Topic, listener: () => void): () => void;
}

const all = new WeakMap<RoomConnection, RoomExtras>();

/** The extras of `room`, created (and subscribed to the room) on first call. */
export function extrasOf(room: RoomConnection): RoomExtras {
  let extras = all.get(room);
  if (!extras) {
    extras = createExtras(room);
    all.set(room, extras);
  }
  return extras;
}

function createExtras(room: RoomConnection): RoomExtras {
  const listeners = new Map<Topic, Set<() => void>>();
  const emit = (topic: Topic) => {
    for (const l of [...(listeners.get(topic) ?? [])]) l();
  };
  let lastError: TandemError | undefined;
  let statusError: TandemError | undefined;
  let presence: { value: unknown } | undefined;
  room.on('status', (change) => {
    statusError = change.error;
    if (change.error) {
      lastError = change.error;
      emit('error');
    }
  });
  room.on('error', (error) => {
    lastError = error;
    emit('error');
  });
  return {
    get statusError() {
      return statusError;
    },
    get lastError() {
      return lastError;
    },
    get presence() {
      return presence;
    },
    setPresence(value) {
      presence = { value };
      emit('presence');
    },
    on(topic, listener) {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
}
