'use client';

import type {
  AccessOutcome,
  AccessRequest,
  LockGrant,
  LockLostReason,
  LockState,
  OutgoingAccessRequest,
} from '@tandem/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useRoom } from '../context.js';
import { onEvents, sameFields, sameItems, useRoomSlice } from '../store.js';

/** What {@link useLock} returns for one resource. */
export interface LockHandle {
  /** `free`, `mine`, or `held` by someone else (then `readOnly` is true and `holder` says who). */
  state: LockState;
  /** Acquires the lock (renews it if already mine). Rejects with a `TandemError` `LockedByOther`. */
  select(): Promise<LockGrant>;
  /** Releases the lock if this user holds it. */
  deselect(): Promise<void>;
  /**
   * Asks the holder for the lock with a short message. Resolves `granted` (the lock is now mine),
   * `declined`, `timeout` (no answer in time) or `cancelled`.
   */
  requestAccess(message: string): Promise<AccessOutcome>;
  /**
   * Activity in the resource that is not an edit through the room (a drag not yet committed, a
   * field being typed in): keeps this user's hold from lapsing. Edits naming the resource
   * (`room.lww.set`, `room.ops.submit` with `{ resource }`) count already. Cheap on every move.
   */
  touch(): void;
  /**
   * Why this user's last hold on the resource ended without its release (`expired`,
   * `released-to-requester`, `removed`); undefined while held, before any, and after
   * {@link dismissLost}. Selecting it again clears it.
   */
  lost: LockLostReason | undefined;
  /** Clears {@link lost} (the app showed its notice). */
  dismissLost(): void;
}

const lockSource = onEvents('locks', 'others', 'self', 'status');

/**
 * Selection-as-lock for one resource: who holds it, and the actions on it. Re-renders only when
 * this resource's holder changes (or the holder's participant entry does).
 *
 * @example
 * function Shape({ id }: { id: string }) {
 *   const { state, select, deselect } = useLock(`shape:${id}`);
 *   return (
 *     <button type="button" onClick={() => void select()} onBlur={() => void deselect()} disabled={state.readOnly}>
 *       {state.kind === 'held' ? `Edited by ${state.holder?.name ?? 'someone'}` : 'Edit'}
 *     </button>
 *   );
 * }
 */
export function useLock(resource: string): LockHandle {
  const room = useRoom();
  const state = useRoomSlice(lockSource, (r) => r.lockState(resource), sameFields, resource);
  const [lost, setLost] = useState<LockLostReason | undefined>(undefined);
  useEffect(() => {
    setLost(undefined);
    return room.on('lockLost', (loss) => {
      if (loss.resource === resource) setLost(loss.reason);
    });
  }, [room, resource]);
  const held = state.kind === 'mine';
  useEffect(() => {
    if (held) setLost(undefined);
  }, [held]);
  const select = useCallback(() => room.select(resource), [room, resource]);
  const deselect = useCallback(() => room.deselect(resource), [room, resource]);
  const requestAccess = useCallback(
    (message: string) => room.requestAccess(resource, message),
    [room, resource],
  );
  const touch = useCallback(() => room.touch(resource), [room, resource]);
  const dismissLost = useCallback(() => setLost(undefined), []);
  return useMemo(
    () => ({ state, select, deselect, requestAccess, touch, lost, dismissLost }),
    [state, select, deselect, requestAccess, touch, lost, dismissLost],
  );
}

const ownRequestSource = onEvents('accessPending', 'status');

/**
 * This user's own open request for `resource` (see {@link LockHandle.requestAccess}), once the
 * holder has it: `expiresAt` says when it times out unanswered, for a countdown. Undefined before
 * and after.
 */
export function useOwnAccessRequest(resource: string): OutgoingAccessRequest | undefined {
  return useRoomSlice(ownRequestSource, (room) => room.ownAccessRequest(resource), Object.is, resource);
}

/**
 * Seconds left until `expiresAt` (client clock, ms), rounded up and updated as they pass; 0 once
 * past, undefined without a deadline. `now` is the clock the deadline was set on (the client's).
 */
export function useSecondsLeft(
  expiresAt: number | undefined,
  now: () => number = Date.now,
): number | undefined {
  const [seconds, setSeconds] = useState(() => secondsLeft(expiresAt, now));
  useEffect(() => {
    const tick = () => setSeconds(secondsLeft(expiresAt, now));
    tick();
    if (expiresAt === undefined) return;
    // A quarter-second tick keeps the shown second within a frame or so of the true one.
    const timer = setInterval(tick, 250);
    return () => clearInterval(timer);
  }, [expiresAt, now]);
  return seconds;
}

function secondsLeft(expiresAt: number | undefined, now: () => number): number | undefined {
  return expiresAt === undefined ? undefined : Math.max(0, Math.ceil((expiresAt - now()) / 1000));
}

const requestsSource = onEvents('accessRequest', 'accessRequestClosed', 'status');

/**
 * Open requests from others for locks this user holds, oldest first. Answer each with its
 * `release()` (hands the lock straight to the requester) or `decline()`; it leaves the list once
 * the room closes it (answered, timed out or cancelled). `expiresAt` says when it times out.
 *
 * @example
 * const requests = useAccessRequests();
 * return requests.map((r) => (
 *   <p key={r.requestId}>
 *     {r.from?.name} asks for {r.resource}: {r.message}
 *     <button type="button" onClick={r.release}>Release</button>
 *   </p>
 * ));
 */
export function useAccessRequests(): readonly AccessRequest[] {
  return useRoomSlice(requestsSource, (room) => room.accessRequests, sameItems);
}
