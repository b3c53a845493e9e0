import type { AccessOutcome, MessageOf } from '@tandem/protocol';
import { ReadOnlyError } from '../errors.js';
import type { AccessRequest, LockGrant, LockState } from '../types.js';
import type { ConnectionContext } from './context.js';
import type { People } from './roster.js';

type LockMessage = MessageOf<'lockList' | 'lockState' | 'lockGranted' | 'accessRequested' | 'accessResult'>;
type Holder = MessageOf<'lockList'>['locks'][number];

/**
 * Selection as lock, from this client's side: who holds what, this user's grants (renewed while the
 * user is active, so an idle user's locks expire and a busy one's never do), and access requests
 * to answer. Grants outlive a reconnect; the room's lock list after it says which still hold.
 */
export class Locks {
  private readonly holders = new Map<string, Holder>();
  private readonly grants = new Map<string, LockGrant>();
  private readonly incoming = new Map<number, AccessRequest>();
  private activeSinceRenew = false;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private readonly releaseWaiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly people: People,
  ) {}

  receive(m: LockMessage): void {
    switch (m.type) {
      case 'lockList':
        return this.listed(m);
      case 'lockState':
        return this.changed(m);
      case 'lockGranted':
        return this.granted(m);
      case 'accessRequested':
        return this.accessRequested(m);
      case 'accessResult':
        return this.accessResult(m);
    }
  }

  select(resource: string): Promise<LockGrant> {
    if (this.ctx.readOnly()) return Promise.reject(new ReadOnlyError('take locks'));
    this.touch();
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
      return { kind: 'mine', readOnly: false, lockId: grant.lockId, fence: grant.fence };
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
    if (this.ctx.readOnly()) return Promise.reject(new ReadOnlyError('request access to a lock'));
    return this.ctx.request<AccessOutcome>('access', (rid) => ({
      type: 'accessRequest',
      rid,
      resource,
      message,
    })).done;
  }

  get accessRequests(): AccessRequest[] {
    return [...this.incoming.values()];
  }

  /** Local activity keeps held locks alive: renewed every third of their lease while active. */
  touch(): void {
    this.activeSinceRenew = true;
  }

  /**
   * The connection dropped (after its requests failed, so a deselect under way rejects rather than
   * resolves): renewals stop, and requests to this user went with the connection.
   */
  connectionLost(): void {
    this.left();
    this.incoming.clear();
  }

  /** Renewals stop; whoever awaits a release stops waiting. */
  left(): void {
    this.stopRenewals();
    for (const waiters of this.releaseWaiters.values()) for (const resolve of waiters) resolve();
    this.releaseWaiters.clear();
  }

  private listed(m: MessageOf<'lockList'>): void {
    this.holders.clear();
    for (const l of m.locks) this.holders.set(l.resource, l);
    // Grants the room no longer holds for us (one that expired while we were away) are gone;
    // the ones it does hold come again as lockGranted right after.
    for (const resource of [...this.grants.keys()]) this.dropGrantUnlessHeld(resource);
    this.ctx.emit('locks');
  }

  /**
   * Our grant of `resource` stands only while the room names us its holder under the grant's fence;
   * otherwise it is dropped. True when one was.
   */
  private dropGrantUnlessHeld(resource: string): boolean {
    const grant = this.grants.get(resource);
    if (!grant) return false;
    const holder = this.holders.get(resource);
    if (holder && holder.holderUser === this.ctx.self()?.userId && holder.fence === grant.fence) return false;
    return this.grants.delete(resource);
  }

  private granted(m: MessageOf<'lockGranted'>): void {
    const self = this.ctx.self();
    this.grants.set(m.resource, { resource: m.resource, lockId: m.lockId, fence: m.fence });
    this.holders.set(m.resource, {
      resource: m.resource,
      holderSlot: self?.slot ?? 0,
      holderUser: self?.userId ?? '',
      fence: m.fence,
      ttlMs: m.ttlMs,
    });
    this.startRenewals(m.ttlMs);
    this.ctx.settle(m.rid, 'lock', this.grants.get(m.resource));
    this.ctx.emit('locks');
  }

  private changed(m: MessageOf<'lockState'>): void {
    const { reason: _reason, type: _type, ...entry } = m;
    const me = this.ctx.self()?.userId;
    if (m.holderUser === '') this.holders.delete(m.resource);
    else this.holders.set(m.resource, entry);
    // A grant of ours under another fence is an older one: the new one's lockGranted follows.
    if (this.dropGrantUnlessHeld(m.resource) && m.holderUser !== me) {
      for (const resolve of this.releaseWaiters.get(m.resource) ?? []) resolve();
      this.releaseWaiters.delete(m.resource);
    }
    const who =
      m.holderUser === '' ? 'nobody' : (this.people.byUser(m.holderUser, m.holderSlot)?.name ?? 'someone');
    this.ctx.note('lock', `${m.resource} ${m.reason}${m.holderUser ? ` → ${who}` : ''}`);
    this.ctx.emit('locks');
  }

  private accessRequested(m: MessageOf<'accessRequested'>): void {
    const request: AccessRequest = {
      requestId: m.requestId,
      resource: m.resource,
      from: this.people.participant(m.fromSlot),
      fromUserId: m.fromUser,
      message: m.message,
      expiresAt: Date.now() + m.timeoutMs,
      release: () => {
        const lockId = this.grants.get(m.resource)?.lockId ?? '';
        this.ctx.sendIfLive({ type: 'accessAnswer', requestId: m.requestId, decision: 'release', lockId });
      },
      decline: () =>
        this.ctx.sendIfLive({
          type: 'accessAnswer',
          requestId: m.requestId,
          decision: 'decline',
          lockId: '',
        }),
    };
    this.incoming.set(m.requestId, request);
    this.ctx.note('lock', `${request.from?.name ?? 'someone'} asks for ${m.resource}`);
    this.ctx.emit('accessRequest', request);
  }

  private accessResult(m: MessageOf<'accessResult'>): void {
    if (m.rid !== 0) {
      this.ctx.settle(m.rid, 'access', m.outcome);
      this.ctx.note('lock', `access to ${m.resource}: ${m.outcome}`);
    }
    if (this.incoming.delete(m.requestId)) this.ctx.emit('accessRequestClosed', m.requestId);
  }

  /** Renews every third of the lease, so one missed renewal never costs the lock. */
  private startRenewals(ttlMs: number): void {
    if (this.renewTimer) return;
    const period = Math.max(250, Math.floor(ttlMs / 3));
    this.renewTimer = setInterval(() => {
      if (this.grants.size === 0) return this.stopRenewals();
      if (!this.activeSinceRenew) return;
      this.activeSinceRenew = false;
      for (const g of this.grants.values())
        this.ctx.sendIfLive({ type: 'lockRenew', resource: g.resource, lockId: g.lockId });
    }, period);
  }

  private stopRenewals(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }
}
