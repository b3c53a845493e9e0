import { type AccessOutcome, ErrorCode, type MessageOf } from '@tandem/protocol';
import type { Clock } from '@tandem/room';
import { ReadOnlyError, TandemError } from '../errors.js';
import type { AccessRequest, LockGrant, LockLostReason, LockState, OutgoingAccessRequest } from '../types.js';
import { AccessRequests } from './access-requests.js';
import type { ConnectionContext } from './context.js';
import type { People } from './roster.js';

type LockMessage = MessageOf<
  'lockList' | 'lockState' | 'lockGranted' | 'accessRequested' | 'accessResult' | 'accessPending'
>;
type Holder = MessageOf<'lockList'>['locks'][number];

interface Grant extends LockGrant {
  /** The lease as the room last gave it. */
  ttlMs: number;
  /** When the last renewal was sent (client clock), so activity renews at most every third of a lease. */
  renewedAt: number;
  /** A renewal is on its way. */
  renewing: boolean;
}

/**
 * Selection as lock, from this client's side: who holds what, and this user's grants. A grant is
 * renewed while the user is active in it (an edit naming the resource, {@link touch}), at most once
 * per third of its lease, so a busy holder never loses it and one who walked away does; a hold that
 * ends without this user's release is told as `lockLost` with why. Grants outlive a reconnect; the
 * room's lock list after it says which still hold.
 */
export class Locks {
  private readonly holders = new Map<string, Holder>();
  private readonly grants = new Map<string, Grant>();
  private readonly releaseWaiters = new Map<string, (() => void)[]>();
  readonly access: AccessRequests;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly people: People,
    private readonly clock: Clock,
  ) {
    this.access = new AccessRequests(
      ctx,
      people,
      clock,
      (resource) => this.grants.get(resource)?.lockId ?? '',
    );
  }

  receive(m: LockMessage): void {
    switch (m.type) {
      case 'lockList':
        return this.listed(m);
      case 'lockState':
        return this.changed(m);
      case 'lockGranted':
        return this.granted(m);
      case 'accessRequested':
      case 'accessResult':
      case 'accessPending':
        return this.access.receive(m);
    }
  }

  select(resource: string): Promise<LockGrant> {
    if (this.ctx.readOnly()) return Promise.reject(new ReadOnlyError('take locks'));
    return this.ctx.request<LockGrant>('lock', (rid) => ({ type: 'lockAcquire', rid, resource })).done;
  }

  async deselect(resource: string): Promise<void> {
    const grant = this.grants.get(resource);
    if (!grant) return;
    const released = new Promise<void>((resolve) => {
      const list = this.releaseWaiters.get(resource) ?? [];
      list.push(resolve);
      this.releaseWaiters.set(resource, list);
    });
    const { done } = this.ctx.request<never>('lock', (rid) => ({
      type: 'lockRelease',
      rid,
      resource,
      lockId: grant.lockId,
    }));
    await Promise.race([released, done]);
  }

  state(resource: string): LockState {
    const holder = this.holders.get(resource);
    if (!holder || holder.holderUser === '') return { kind: 'free', readOnly: false };
    const grant = this.grants.get(resource);
    if (holder.holderUser === this.ctx.self()?.userId && grant) {
      return {
        kind: 'mine',
        readOnly: false,
        lockId: grant.lockId,
        fence: grant.fence,
        expiresAt: grant.expiresAt,
      };
    }
    return {
      kind: 'held',
      readOnly: true,
      holderUserId: holder.holderUser,
      holder: this.people.byUser(holder.holderUser, holder.holderSlot),
      fence: holder.fence,
    };
  }

  get resources(): string[] {
    return [...this.holders.keys()];
  }

  requestAccess(resource: string, message: string): Promise<AccessOutcome> {
    return this.access.ask(resource, message);
  }

  get accessRequests(): AccessRequest[] {
    return this.access.toAnswer;
  }

  ownAccessRequest(resource: string): OutgoingAccessRequest | undefined {
    return this.access.own(resource);
  }

  /**
   * Activity in `resource` (or, without one, anywhere: cursor and presence) keeps this user's
   * hold on it: a renewal goes once a third of the lease has passed since the last, so one lost
   * renewal never costs the lock, and an idle hold lapses a full lease after the last activity.
   */
  touch(resource?: string): void {
    if (resource === undefined) {
      for (const grant of this.grants.values()) this.renewIfDue(grant);
      return;
    }
    const grant = this.grants.get(resource);
    if (grant) this.renewIfDue(grant);
  }

  /**
   * The connection dropped (after its requests failed, so a deselect under way rejects rather than
   * resolves): requests to this user went with the connection.
   */
  connectionLost(): void {
    this.left();
    this.access.connectionLost();
    for (const grant of this.grants.values()) grant.renewing = false;
  }

  /** Whoever awaits a release stops waiting. */
  left(): void {
    for (const waiters of this.releaseWaiters.values()) for (const resolve of waiters) resolve();
    this.releaseWaiters.clear();
  }

  private renewIfDue(grant: Grant): void {
    if (grant.renewing || !this.ctx.isLive()) return;
    const now = this.clock.now();
    if (now - grant.renewedAt < grant.ttlMs / 3) return;
    grant.renewing = true;
    grant.renewedAt = now;
    const { lockId, resource } = grant;
    this.ctx
      .request<LockGrant>('lock', (rid) => ({ type: 'lockKeep', rid, resource, lockId }))
      .done.then(
        () => undefined,
        (error: unknown) => {
          grant.renewing = false;
          // Anything but "that hold is gone" (a dropped connection, a busy room) says nothing about
          // the hold: the next activity tries again, and the lock list after a reconnect tells.
          if (!(error instanceof TandemError) || !HOLD_GONE.has(error.code)) {
            // Again on activity a second from now, not at once: a busy room is not pressed harder.
            grant.renewedAt = this.clock.now() - grant.ttlMs / 3 + RENEW_RETRY_MS;
            return;
          }
          // The hold this renewal was for is gone (a newer grant, if any, stays).
          if (this.grants.get(resource)?.lockId !== lockId) return;
          this.lose(resource, 'expired');
          this.ctx.emit('locks');
        },
      );
  }

  private listed(m: MessageOf<'lockList'>): void {
    this.holders.clear();
    for (const l of m.locks) this.holders.set(l.resource, l);
    // Grants the room no longer holds for us (one that expired while we were away) are gone;
    // the ones it does hold come again as lockGranted right after.
    const me = this.ctx.self()?.userId;
    for (const resource of [...this.grants.keys()]) {
      if (this.heldByUs(resource)) continue;
      // Ours under a newer grant (taken again from another tab): its lockGranted follows.
      if (this.holders.get(resource)?.holderUser === me) this.grants.delete(resource);
      else this.lose(resource, 'expired');
    }
    this.ctx.emit('locks');
  }

  /** The room names us the holder of `resource` under our grant's fence. */
  private heldByUs(resource: string): boolean {
    const grant = this.grants.get(resource);
    const holder = this.holders.get(resource);
    return (
      grant !== undefined &&
      holder !== undefined &&
      holder.holderUser === this.ctx.self()?.userId &&
      holder.fence === grant.fence
    );
  }

  /**
   * Drops our grant of `resource`. Unless this user asked to release it, the hold was lost, and
   * says so.
   */
  private lose(resource: string, reason: LockLostReason): void {
    if (!this.grants.delete(resource)) return;
    const waiters = this.releaseWaiters.get(resource);
    if (waiters) return;
    const text =
      reason === 'expired'
        ? `your hold on ${resource} expired`
        : reason === 'released-to-requester'
          ? `${resource} passed to the one who asked for it`
          : `your hold on ${resource} was ended by the room`;
    this.ctx.note('lock', text);
    this.ctx.emit('lockLost', { resource, reason });
  }

  private granted(m: MessageOf<'lockGranted'>): void {
    const self = this.ctx.self();
    const now = this.clock.now();
    const grant: Grant = {
      resource: m.resource,
      lockId: m.lockId,
      fence: m.fence,
      expiresAt: now + m.ttlMs,
      ttlMs: m.ttlMs,
      // The room's answer is a fresh lease: renewing again waits a third of it.
      renewedAt: now,
      renewing: false,
    };
    this.grants.set(m.resource, grant);
    this.holders.set(m.resource, {
      resource: m.resource,
      holderSlot: self?.slot ?? 0,
      holderUser: self?.userId ?? '',
      fence: m.fence,
      ttlMs: m.ttlMs,
    });
    const { ttlMs: _ttl, renewedAt: _renewed, renewing: _renewing, ...view } = grant;
    this.ctx.settle(m.rid, 'lock', view);
    this.ctx.emit('locks');
  }

  private changed(m: MessageOf<'lockState'>): void {
    const { reason: _reason, type: _type, ...entry } = m;
    const me = this.ctx.self()?.userId;
    if (m.holderUser === '') this.holders.delete(m.resource);
    else this.holders.set(m.resource, entry);
    // A grant of ours under another fence is an older one: the new one's lockGranted follows.
    if (this.grants.has(m.resource) && !this.heldByUs(m.resource) && m.holderUser !== me) {
      this.lose(m.resource, lossReason(m.reason));
      for (const resolve of this.releaseWaiters.get(m.resource) ?? []) resolve();
      this.releaseWaiters.delete(m.resource);
    } else if (m.holderUser === me && !this.heldByUs(m.resource)) {
      this.grants.delete(m.resource);
    }
    const who =
      m.holderUser === '' ? 'nobody' : (this.people.byUser(m.holderUser, m.holderSlot)?.name ?? 'someone');
    this.ctx.note('lock', `${m.resource} ${m.reason}${m.holderUser ? ` → ${who}` : ''}`);
    this.ctx.emit('locks');
  }
}

/** How long after a renewal that failed for no reason of the hold's the next may go. */
const RENEW_RETRY_MS = 1_000;

/** Refusals of a renewal that mean the hold it was for no longer exists. */
const HOLD_GONE: ReadonlySet<number> = new Set([
  ErrorCode.NotFound,
  ErrorCode.LockedByOther,
  ErrorCode.StaleLockId,
  ErrorCode.Forbidden,
]);

/** Why a hold ended, from the room's reason for the lock's new state. */
function lossReason(reason: MessageOf<'lockState'>['reason']): LockLostReason {
  switch (reason) {
    case 'transferred':
      return 'released-to-requester';
    case 'released':
      return 'removed';
    default:
      // `expired`; or taken by another after a lapse this client did not hear of.
      return 'expired';
  }
}
