import { type AccessOutcome, ErrorCode, type LockReason, type MessageOf } from '@tandem/protocol';
import type { TimerHandle } from '../clock.js';
import type { Connection } from '../connection.js';
import type { RoomContext } from '../context.js';
import type { StoredLock } from '../storage.js';
import { makeLockId, utf8Length } from './ids.js';

interface Grant extends StoredLock {
  timer: TimerHandle | undefined;
}

interface AccessRequest {
  readonly id: number;
  readonly resource: string;
  /** Requesting user; the request reaches all its connections. */
  readonly userId: string;
  readonly slot: number;
  readonly rid: number;
  readonly message: string;
  /** When it times out unanswered (room clock). */
  readonly expiresAt: number;
  readonly timer: TimerHandle;
}

type LockEntry = MessageOf<'lockList'>['locks'][number];

/** The client messages the locks part answers. */
export type LockMessage = MessageOf<
  'lockAcquire' | 'lockRelease' | 'lockRenew' | 'lockKeep' | 'accessRequest' | 'accessAnswer'
>;
/**
 * Selection-as-lock. Locks are leases keyed on user id: every connection of the holder shares the
 * lock, and it outlives a disconnect until its TTL runs out unrenewed. Each grant gets a fresh lock
 * id (needed to release) and a fencing token from one room-wide counter, so fences strictly
 * increase per resource, across restarts too.
 *
 * Access requests live here because their outcome is a lock transfer: a holder's release, an
 * answer of "release", or an expiry hands the lock straight to the oldest open requester, in the
 * same step, so nobody else can grab it in between.
 */
export class Locks {
  private readonly grants = new Map<string, Grant>();
  private readonly requests = new Map<number, AccessRequest>();
  private fence: number;
  private nextRequestId = 1;

  constructor(
    private readonly ctx: RoomContext,
    stored: readonly StoredLock[],
    fence: number,
  ) {
    this.fence = fence;
    const now = ctx.clock.now();
    for (const lock of stored) {
      if (lock.expiresAt <= now) {
        ctx.persist({ kind: 'unlock', resource: lock.resource });
        continue;
      }
      const grant: Grant = { ...lock, timer: undefined };
      this.grants.set(lock.resource, grant);
      this.arm(grant);
    }
  }

  /** The holder of `resource`, if locked. */
  holderOf(resource: string): string | undefined {
    return this.grants.get(resource)?.userId;
  }

  /** Number of held locks. */
  get size(): number {
    return this.grants.size;
  }

  /** A lock or access message from a participant. */
  message(conn: Connection, m: LockMessage): void {
    switch (m.type) {
      case 'lockAcquire':
        return this.acquire(conn, m.rid, m.resource);
      case 'lockRelease':
        return this.release(conn, m.rid, m.resource, m.lockId);
      case 'lockRenew':
        return this.renew(conn, 0, m.resource, m.lockId);
      case 'lockKeep':
        return this.renew(conn, m.rid, m.resource, m.lockId);
      case 'accessRequest':
        return this.request(conn, m.rid, m.resource, m.message);
      case 'accessAnswer':
        return this.answer(conn, m.requestId, m.decision, m.lockId);
      default:
        return m satisfies never;
    }
  }

  acquire(conn: Connection, rid: number, resource: string): void {
    if (!this.validResource(conn, rid, resource)) return;
    const grant = this.grants.get(resource);
    if (grant?.userId === conn.userId) {
      this.renewGrant(grant);
      const granted = this.grantedMessage(grant, rid);
      this.ctx.announceLock(() => this.ctx.send(conn, granted));
      return;
    }
    if (grant) {
      this.ctx.refuse(conn, ErrorCode.LockedByOther, rid, `${resource} is locked by another user`);
      return;
    }
    const held = this.heldBy(conn.userId);
    if (held >= this.ctx.limits.maxLocksPerUser) {
      this.ctx.refuse(conn, ErrorCode.Conflict, rid, `you already hold ${held} locks, the most allowed`);
      return;
    }
    this.grant(resource, conn.userId, 'acquired', conn, rid);
  }

  release(conn: Connection, rid: number, resource: string, lockId: string): void {
    const grant = this.ownGrant(conn, rid, resource, lockId);
    if (grant) this.free(grant, 'released');
  }

  /**
   * Extends the caller's lease. A renewal under a request id (`lockKeep`) is answered, so the
   * holder learns its new lease, or that the hold is gone, of this very renewal.
   */
  renew(conn: Connection, rid: number, resource: string, lockId: string): void {
    const grant = this.ownGrant(conn, rid, resource, lockId);
    if (!grant) return;
    this.renewGrant(grant);
    if (rid !== 0) this.ctx.send(conn, this.grantedMessage(grant, rid));
  }

  /**
   * Whether `conn` may edit `resource`; refuses (and says why) when another user holds it. An edit
   * by the holder renews the lease: editing is the activity that keeps a lock.
   *
   * A write naming no resource (`''`) could touch anything, and no lock can be taken on `''`: with
   * `editRequiresLock` it is refused always, whether or not anyone holds a lock now (a rule that
   * held only while locks are out would let an edit through in the instant between two grants);
   * without it, it is let through, and locks bind only the writes that name what they touch.
   */
  checkEdit(conn: Connection, resource: string, rid: number): boolean {
    if (resource === '') {
      if (!this.ctx.limits.editRequiresLock) return true;
      this.ctx.refuse(
        conn,
        ErrorCode.Forbidden,
        rid,
        'this room requires a lock for every edit: name the resource you hold',
      );
      return false;
    }
    const grant = this.grants.get(resource);
    if (grant && grant.userId !== conn.userId) {
      this.ctx.refuse(
        conn,
        ErrorCode.LockedByOther,
        rid,
        `${resource} is locked by another user; edit refused`,
      );
      return false;
    }
    if (grant) {
      this.renewGrant(grant);
      return true;
    }
    if (this.ctx.limits.editRequiresLock) {
      this.ctx.refuse(conn, ErrorCode.Forbidden, rid, `select ${resource} before editing it`);
      return false;
    }
    return true;
  }

  request(conn: Connection, rid: number, resource: string, message: string): void {
    if (!this.validResource(conn, rid, resource)) return;
    if ([...message].length > this.ctx.limits.maxAccessMessageChars) {
      this.ctx.refuse(
        conn,
        ErrorCode.PayloadTooLarge,
        rid,
        `access request message over ${this.ctx.limits.maxAccessMessageChars} characters`,
      );
      return;
    }
    const grant = this.grants.get(resource);
    if (!grant) {
      this.ctx.refuse(conn, ErrorCode.NotFound, rid, `${resource} is not locked; select it instead`);
      return;
    }
    if (grant.userId === conn.userId) {
      this.ctx.refuse(conn, ErrorCode.Conflict, rid, `you already hold ${resource}`);
      return;
    }
    for (const r of this.requests.values()) {
      if (r.userId === conn.userId && r.resource === resource) {
        this.ctx.refuse(conn, ErrorCode.Conflict, rid, `you already asked for ${resource}`);
        return;
      }
    }
    const id = this.nextRequestId++;
    const timeoutMs = this.ctx.limits.accessTimeoutMs;
    const timer = this.ctx.clock.setTimeout(() => this.timeout(id), timeoutMs);
    const expiresAt = this.ctx.clock.now() + timeoutMs;
    const req: AccessRequest = {
      id,
      resource,
      userId: conn.userId,
      slot: conn.slot,
      rid,
      message,
      expiresAt,
      timer,
    };
    this.requests.set(id, req);
    // The requester is told how long it may wait, so it can show the time left.
    this.ctx.send(conn, { type: 'accessPending', rid, requestId: id, resource, timeoutMs });
    for (const holder of this.ctx.connectionsOf(grant.userId))
      this.ctx.send(holder, this.requestedMessage(req));
    this.ctx.emit({ type: 'access', requestId: id, resource, userId: conn.userId, outcome: 'requested' });
  }

  answer(conn: Connection, requestId: number, decision: 'release' | 'decline', lockId: string): void {
    const req = this.requests.get(requestId);
    if (!req) {
      this.ctx.refuse(conn, ErrorCode.NotFound, 0, `no open access request ${requestId}`);
      return;
    }
    const grant = this.grants.get(req.resource);
    if (grant?.userId !== conn.userId) {
      this.ctx.refuse(conn, ErrorCode.Forbidden, 0, 'only the lock holder may answer an access request');
      return;
    }
    if (decision === 'decline') {
      this.finish(req, 'declined', grant.userId);
      return;
    }
    if (lockId !== grant.lockId) {
      this.ctx.refuse(
        conn,
        ErrorCode.StaleLockId,
        0,
        `lock id does not match the current lock on ${req.resource}`,
      );
      return;
    }
    if (this.heldBy(req.userId) >= this.ctx.limits.maxLocksPerUser) {
      this.ctx.refuse(conn, ErrorCode.Conflict, 0, 'the requester already holds the most locks allowed');
      return;
    }
    this.free(grant, 'released', req);
  }

  /** The admission snapshot's lock frames for `conn`: every lock, plus its own grants and requests to answer. */
  snapshotFor(conn: Connection): MessageOf<'lockList' | 'lockGranted' | 'accessRequested'>[] {
    const out: MessageOf<'lockList' | 'lockGranted' | 'accessRequested'>[] = [
      { type: 'lockList', locks: [...this.grants.values()].map((g) => this.entry(g)) },
    ];
    for (const grant of this.grants.values()) {
      if (grant.userId !== conn.userId) continue;
      out.push(this.grantedMessage(grant, 0));
      for (const req of this.requests.values())
        if (req.resource === grant.resource) out.push(this.requestedMessage(req));
    }
    return out;
  }

  /** The user's last connection left: its open requests end; its locks stay until their TTL. */
  userLeft(userId: string): void {
    for (const req of [...this.requests.values()]) {
      if (req.userId === userId) this.finish(req, 'cancelled', this.grants.get(req.resource)?.userId);
    }
  }

  /** The user was removed from the room: its requests end and its locks are released. */
  userRemoved(userId: string): void {
    this.userLeft(userId);
    for (const grant of [...this.grants.values()]) if (grant.userId === userId) this.free(grant, 'released');
  }

  dispose(): void {
    for (const g of this.grants.values()) if (g.timer !== undefined) this.ctx.clock.clearTimeout(g.timer);
    for (const r of this.requests.values()) this.ctx.clock.clearTimeout(r.timer);
    this.requests.clear();
  }

  private heldBy(userId: string): number {
    let held = 0;
    for (const g of this.grants.values()) if (g.userId === userId) held++;
    return held;
  }

  private validResource(conn: Connection, rid: number, resource: string): boolean {
    if (resource === '') {
      this.ctx.refuse(conn, ErrorCode.BadMessage, rid, 'resource id is empty');
      return false;
    }
    if (utf8Length(resource) > this.ctx.limits.maxResourceIdBytes) {
      this.ctx.refuse(
        conn,
        ErrorCode.PayloadTooLarge,
        rid,
        `resource id over ${this.ctx.limits.maxResourceIdBytes} bytes`,
      );
      return false;
    }
    return true;
  }

  /** The caller's own grant on `resource` proven by `lockId`, or a refusal. */
  private ownGrant(conn: Connection, rid: number, resource: string, lockId: string): Grant | undefined {
    const grant = this.grants.get(resource);
    if (!grant) {
      this.ctx.refuse(conn, ErrorCode.NotFound, rid, `${resource} is not locked`);
      return undefined;
    }
    if (grant.userId !== conn.userId) {
      this.ctx.refuse(conn, ErrorCode.LockedByOther, rid, `${resource} is locked by another user`);
      return undefined;
    }
    if (grant.lockId !== lockId) {
      this.ctx.refuse(
        conn,
        ErrorCode.StaleLockId,
        rid,
        `lock id does not match the current lock on ${resource}`,
      );
      return undefined;
    }
    return grant;
  }

  private grant(
    resource: string,
    userId: string,
    reason: LockReason,
    requester?: Connection,
    rid = 0,
  ): Grant {
    const now = this.ctx.clock.now();
    this.fence = Math.max(this.fence + 1, this.ctx.numberFloor + 1);
    const grant: Grant = {
      resource,
      userId,
      lockId: makeLockId(() => this.ctx.random()),
      fence: this.fence,
      expiresAt: now + this.ctx.limits.lockTtlMs,
      timer: undefined,
    };
    this.grants.set(resource, grant);
    this.arm(grant);
    this.persistGrant(grant);
    const state = { type: 'lockState', reason, ...this.entry(grant) } as const;
    this.ctx.announceLock(() => {
      this.ctx.broadcast(state);
      for (const conn of this.ctx.connectionsOf(userId)) {
        this.ctx.send(conn, this.grantedMessage(grant, conn === requester ? rid : 0));
      }
    });
    this.ctx.emit({ type: 'lock', resource, reason, userId, fence: grant.fence });
    return grant;
  }

  /**
   * Ends `grant`. If someone asked for the resource, the lock passes straight to them (`preferred`,
   * else the oldest request) and every other request on it is cancelled: the holder changed.
   */
  private free(grant: Grant, reason: 'released' | 'expired', preferred?: AccessRequest): void {
    this.grants.delete(grant.resource);
    if (grant.timer !== undefined) this.ctx.clock.clearTimeout(grant.timer);
    const waiting = [...this.requests.values()].filter((r) => r.resource === grant.resource);
    const next = preferred ?? waiting.find((r) => this.heldBy(r.userId) < this.ctx.limits.maxLocksPerUser);
    if (next) {
      this.grant(grant.resource, next.userId, 'transferred');
      this.finish(next, 'granted', grant.userId);
      for (const other of waiting) if (other !== next) this.finish(other, 'cancelled', grant.userId);
      return;
    }
    this.ctx.persist({ kind: 'unlock', resource: grant.resource });
    this.ctx.announceLock(() =>
      this.ctx.broadcast({
        type: 'lockState',
        reason,
        resource: grant.resource,
        holderSlot: 0,
        holderUser: '',
        fence: grant.fence,
        ttlMs: 0,
      }),
    );
    this.ctx.emit({ type: 'lock', resource: grant.resource, reason, userId: '', fence: grant.fence });
  }

  private renewGrant(grant: Grant): void {
    grant.expiresAt = this.ctx.clock.now() + this.ctx.limits.lockTtlMs;
    this.persistGrant(grant);
  }

  private persistGrant(grant: Grant): void {
    const { timer: _timer, ...lock } = grant;
    this.ctx.persist({ kind: 'lock', lock });
  }

  /** One timer per grant; a renewal only moves `expiresAt`, and the timer re-arms when it fires early. */
  private arm(grant: Grant): void {
    if (grant.timer !== undefined) return;
    grant.timer = this.ctx.clock.setTimeout(() => {
      grant.timer = undefined;
      if (this.grants.get(grant.resource) !== grant) return;
      if (this.ctx.clock.now() < grant.expiresAt) this.arm(grant);
      else this.free(grant, 'expired');
    }, grant.expiresAt - this.ctx.clock.now());
  }

  private timeout(requestId: number): void {
    const req = this.requests.get(requestId);
    if (req) this.finish(req, 'timeout', this.grants.get(req.resource)?.userId);
  }

  /** Closes a request and tells the requester (with its rid) and the holder's connections. */
  private finish(req: AccessRequest, outcome: AccessOutcome, holderUserId: string | undefined): void {
    this.requests.delete(req.id);
    this.ctx.clock.clearTimeout(req.timer);
    const result = { type: 'accessResult', requestId: req.id, resource: req.resource, outcome } as const;
    // After the grant it may report, never before it.
    this.ctx.announceLock(() => {
      for (const conn of this.ctx.connectionsOf(req.userId)) this.ctx.send(conn, { ...result, rid: req.rid });
      if (holderUserId && holderUserId !== req.userId) {
        for (const conn of this.ctx.connectionsOf(holderUserId)) this.ctx.send(conn, { ...result, rid: 0 });
      }
    });
    this.ctx.emit({ type: 'access', requestId: req.id, resource: req.resource, userId: req.userId, outcome });
  }

  private entry(grant: Grant): LockEntry {
    return {
      resource: grant.resource,
      holderSlot: this.ctx.connectionsOf(grant.userId)[0]?.slot ?? 0,
      holderUser: grant.userId,
      fence: grant.fence,
      ttlMs: Math.max(0, grant.expiresAt - this.ctx.clock.now()),
    };
  }

  private grantedMessage(grant: Grant, rid: number): MessageOf<'lockGranted'> {
    return {
      type: 'lockGranted',
      rid,
      resource: grant.resource,
      lockId: grant.lockId,
      fence: grant.fence,
      ttlMs: Math.max(0, grant.expiresAt - this.ctx.clock.now()),
    };
  }

  private requestedMessage(req: AccessRequest): MessageOf<'accessRequested'> {
    return {
      type: 'accessRequested',
      requestId: req.id,
      resource: req.resource,
      fromSlot: req.slot,
      fromUser: req.userId,
      message: req.message,
      timeoutMs: Math.max(0, req.expiresAt - this.ctx.clock.now()),
    };
  }
}
