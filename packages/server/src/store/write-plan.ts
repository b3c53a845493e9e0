import type { RoomWrite, StoredDoc } from '@tandem/room';

/**
 * Every named parameter a statement may take. Each SQL store binds them by name: SQLite directly
 * (`@roomId`), PostgreSQL through each statement's list of names for `$1`, `$2`, ….
 */
export interface StepParams {
  roomId: string;
  now?: number;
  joinCode?: string | null;
  hostUserId?: string;
  policy?: string;
  docMode?: string;
  /** JSON array of emails. */
  trusted?: string;
  userId?: string;
  resource?: string;
  lockId?: string;
  fence?: number;
  expiresAt?: number;
  epoch?: number;
  kind?: StoredDoc['mode'];
  version?: number;
  seq?: number;
  slot?: number;
  data?: Buffer;
  /** A client's key in the room's edit ledger. */
  clientKey?: string;
  lastRid?: number;
  /** JSON array of `[rid, result]` pairs. */
  outcomes?: string;
  at?: number;
}

/** The statements a SQL store runs to apply writes; each store has one per name, in its dialect. */
export type WriteStatement =
  | 'upsertSettings'
  | 'touch'
  | 'raiseFence'
  | 'raiseEpoch'
  | 'setDocKind'
  | 'admit'
  | 'unadmit'
  | 'lock'
  | 'unlock'
  | 'setLww'
  | 'clearLww'
  | 'startOps'
  | 'appendOp'
  | 'raiseOpsSeq'
  | 'snapshotOps'
  | 'dropOpsThrough'
  | 'clearOps'
  | 'clearOpsBase'
  | 'appendYjs'
  | 'clearYjs'
  | 'upsertClient'
  | 'forgetClient';

/** One statement to run, with its parameters. */
export type WriteStep = readonly [statement: WriteStatement, params: StepParams];

/** A Buffer over exactly `data`'s bytes (no copy; drivers copy or send it as is). Refuses non-bytes. */
export function blob(data: Uint8Array): Buffer {
  if (!(data instanceof Uint8Array)) throw new TypeError(`expected a Uint8Array, got ${typeof data}`);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * What applying `writes` to a room means in the normalised SQL schema both SQL stores share: the
 * statements to run, in order, inside the batch's transaction. `stored` says what the room holds
 * now (undefined: the room does not exist; then its first write must be its settings). Throws for
 * a write that cannot be applied, before anything runs.
 */
export function planWrites(
  roomId: string,
  stored: { docKind: StoredDoc['mode'] | null } | undefined,
  writes: readonly RoomWrite[],
  now: number,
): WriteStep[] {
  if (!stored && writes[0]?.kind !== 'settings') {
    throw new Error(`room ${roomId} has no settings yet; its first write must be its settings`);
  }
  const steps: WriteStep[] = [];
  const step = (statement: WriteStatement, params: Omit<StepParams, 'roomId'> = {}) =>
    steps.push([statement, { roomId, ...params }]);
  let docKind = stored?.docKind ?? null;
  /** Makes `kind` the room's document, dropping a document of another kind; true if it changed. */
  const useDoc = (kind: StoredDoc['mode']): boolean => {
    if (docKind === kind) return false;
    for (const clear of ['clearLww', 'clearOps', 'clearOpsBase', 'clearYjs'] as const) step(clear);
    step('setDocKind', { kind });
    docKind = kind;
    if (kind === 'ops') step('startOps');
    return true;
  };

  for (const w of writes) {
    switch (w.kind) {
      case 'settings': {
        const s = w.settings;
        step('upsertSettings', {
          joinCode: s.joinCode === '' ? null : s.joinCode,
          hostUserId: s.hostUserId,
          policy: s.policy,
          docMode: s.docMode,
          trusted: JSON.stringify(s.trusted),
          now,
        });
        break;
      }
      case 'admitted':
        step(w.admitted ? 'admit' : 'unadmit', { userId: w.userId });
        break;
      case 'lock': {
        const l = w.lock;
        step('lock', {
          resource: l.resource,
          userId: l.userId,
          lockId: l.lockId,
          fence: l.fence,
          expiresAt: l.expiresAt,
        });
        step('raiseFence', { fence: l.fence });
        break;
      }
      case 'unlock':
        step('unlock', { resource: w.resource });
        break;
      case 'fence':
        step('raiseFence', { fence: w.fence });
        break;
      case 'epoch':
        step('raiseEpoch', { epoch: w.epoch });
        break;
      case 'lww':
        useDoc('lww');
        step('setLww', { version: w.version, data: blob(w.doc) });
        break;
      case 'op': {
        const o = w.op;
        useDoc('ops');
        step('appendOp', {
          seq: o.seq,
          slot: o.slot,
          userId: o.userId,
          resource: o.resource,
          data: blob(o.op),
        });
        step('raiseOpsSeq', { seq: o.seq });
        break;
      }
      case 'ops-snapshot':
        useDoc('ops');
        step('snapshotOps', { seq: w.seq, data: blob(w.base) });
        step('dropOpsThrough', { seq: w.seq });
        break;
      case 'yjs-update':
        useDoc('yjs');
        step('appendYjs', { data: blob(w.update) });
        break;
      case 'yjs-compact':
        if (!useDoc('yjs')) step('clearYjs');
        step('appendYjs', { data: blob(w.state) });
        break;
      case 'client': {
        const c = w.client;
        step('upsertClient', {
          clientKey: c.key,
          lastRid: c.lastRid,
          outcomes: JSON.stringify(c.outcomes),
          at: c.at,
        });
        break;
      }
      case 'forget-client':
        step('forgetClient', { clientKey: w.key });
        break;
      default:
        throw new Error(`unknown write ${(w satisfies never as { kind: string }).kind}`);
    }
  }
  step('touch', { now });
  return steps;
}
