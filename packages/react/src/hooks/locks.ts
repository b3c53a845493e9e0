'use client';

import type { AccessOutcome, AccessRequest, LockGrant, LockState } from '@tandem/client';
import { useCallback, useMemo } from 'react';
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
  const select = useCallback(() => room.select(resource), [room, resource]);
  const deselect = useCallback(() => room.deselect(resource), [room, resource]);
  const requestAccess = useCallback(
    (message: string) => room.requestAccess(resource, message),
    [room, resource],
  );
  return useMemo(
    () => ({ state, select, deselect, requestAccess }),
    [state, select, deselect, requestAccess],
  );
}

const requestsSource = onEvents('accessRequest', 'accessRequestClosed', 'status');

/**
 * Open requests from others for locks this user holds, oldest first. Answer each with its
 * `release()` (hands the lock straight to the requester) or `decline()`; it leaves the list once
 * the room closes it (answered, timed out or cancelled).
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
