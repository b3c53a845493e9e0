'use client';

import type { ConnectionStatus, RoomConnection, RoomSettingsView, WaitingGuest } from '@tandem/client';
import type { AccessLevel, AdmissionPolicy } from '@tandem/protocol';
import { useCallback, useMemo } from 'react';
import { useRoom } from '../context.js';
import { onEvents, sameFields, useRoomSlice } from '../store.js';

/** What {@link useAdmission} returns. */
export interface AdmissionHandle {
  /** True when this user hosts the room; the actions below do nothing for anyone else. */
  isHost: boolean;
  /** Everyone waiting for the host to let them in (host only; empty for guests). */
  waiting: readonly WaitingGuest[];
  /** Room settings: policy, document mode, join code, host; `trusted` is filled for the host only. */
  settings: RoomSettingsView | undefined;
  /** This connection's own status: `waiting` while the host has not let it in yet. */
  status: ConnectionStatus;
  /** Lets a waiting guest in; with `access: 'read'`, as a viewer. */
  admit(slot: number, options?: { access?: AccessLevel }): void;
  /** Makes a participant or waiting guest a viewer (`read`) or an editor (`write`), every tab of that user. */
  setAccess(slot: number, access: AccessLevel): void;
  /** Turns a waiting guest away. */
  decline(slot: number): void;
  /** Removes an admitted participant (every tab of that user). */
  remove(slot: number): void;
  /** Who may enter without waiting: `open`, `host-approval` or `trusted`. */
  setPolicy(policy: AdmissionPolicy): void;
  /** Replaces the list of emails admitted without waiting. */
  setTrusted(emails: readonly string[]): void;
  /**
   * Ends the session for everyone ({@link RoomConnection.endSession}): resolves once this
   * connection closed with `SessionEnded`; rejects with `Forbidden` for anyone but the host.
   */
  endSession(): Promise<void>;
}

interface AdmissionSlice {
  isHost: boolean;
  waiting: readonly WaitingGuest[];
  settings: RoomSettingsView | undefined;
  status: ConnectionStatus;
}

const admissionSource = onEvents('admission', 'settings', 'status', 'self');

/**
 * Admission: the waiting room and the host's controls, and this connection's own admission state.
 *
 * @example
 * const { isHost, waiting, admit, decline } = useAdmission();
 * if (!isHost) return null;
 * return waiting.map((g) => (
 *   <p key={g.slot}>
 *     {g.name} <button type="button" onClick={() => admit(g.slot)}>Add</button>
 *     <button type="button" onClick={() => decline(g.slot)}>Decline</button>
 *   </p>
 * ));
 */
export function useAdmission(): AdmissionHandle {
  const room = useRoom();
  const slice = useRoomSlice<AdmissionSlice>(
    admissionSource,
    (r) => ({ isHost: r.isHost, waiting: r.waitingList, settings: r.settings, status: r.status }),
    sameFields,
  );
  const admit = useCallback(
    (slot: number, options?: { access?: AccessLevel }) => room.admit(slot, options),
    [room],
  );
  const setAccess = useCallback((slot: number, access: AccessLevel) => room.setAccess(slot, access), [room]);
  const decline = useCallback((slot: number) => room.decline(slot), [room]);
  const remove = useCallback((slot: number) => room.remove(slot), [room]);
  const setPolicy = useCallback((policy: AdmissionPolicy) => room.setPolicy(policy), [room]);
  const setTrusted = useCallback((emails: readonly string[]) => room.setTrusted(emails), [room]);
  const endSession = useCallback(() => room.endSession(), [room]);
  return useMemo(
    () => ({ ...slice, admit, setAccess, decline, remove, setPolicy, setTrusted, endSession }),
    [slice, admit, setAccess, decline, remove, setPolicy, setTrusted, endSession],
  );
}
