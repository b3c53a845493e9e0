import type { AccessOutcome, MessageOf } from '@tandem/protocol';
import type { Clock } from '@tandem/room';
import { ReadOnlyError } from '../errors.js';
import type { AccessRequest, OutgoingAccessRequest } from '../types.js';
import type { ConnectionContext } from './context.js';
import type { People } from './roster.js';

type AccessMessage = MessageOf<'accessRequested' | 'accessResult' | 'accessPending'>;

/**
 * Access requests both ways: those to this user, to answer (each with when it times out, and told
 * as missed when it does), and this user's own, with when they time out, so both sides can show
 * the time left.
 */
export class AccessRequests {
  private readonly incoming = new Map<number, AccessRequest>();
  private readonly outgoing = new Map<string, OutgoingAccessRequest>();

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly people: People,
    private readonly clock: Clock,
    /** The lock id this user holds `resource` under, needed to hand it over. */
    private readonly lockIdOf: (resource: string) => string,
  ) {}

  receive(m: AccessMessage): void {
    switch (m.type) {
      case 'accessRequested':
        return this.requested(m);
      case 'accessPending':
        return this.pending(m);
      case 'accessResult':
        return this.result(m);
    }
  }

  ask(resource: string, message: string): Promise<AccessOutcome> {
    if (this.ctx.readOnly()) return Promise.reject(new ReadOnlyError('request access to a lock'));
    const done = this.ctx.request<AccessOutcome>('access', (rid) => ({
      type: 'accessRequest',
      rid,
      resource,
      message,
    })).done;
    // However it ends (an answer, a refusal, a dropped connection), the countdown ends with it.
    const ended = () => {
      if (this.outgoing.delete(resource)) this.ctx.emit('accessPending', resource, undefined);
    };
    done.then(ended, ended);
    return done;
  }

  /** Open requests to this user. */
  get toAnswer(): AccessRequest[] {
    return [...this.incoming.values()];
  }

  /** This user's own open request for `resource`, once the room has passed it on. */
  own(resource: string): OutgoingAccessRequest | undefined {
    return this.outgoing.get(resource);
  }

  /** Requests to this user went with the connection; its own ones fail with their promises. */
  connectionLost(): void {
    this.incoming.clear();
  }

  private requested(m: MessageOf<'accessRequested'>): void {
    const request: AccessRequest = {
      requestId: m.requestId,
      resource: m.resource,
      from: this.people.participant(m.fromSlot),
      fromUserId: m.fromUser,
      message: m.message,
      expiresAt: this.clock.now() + m.timeoutMs,
      release: () =>
        this.ctx.sendIfLive({
          type: 'accessAnswer',
          requestId: m.requestId,
          decision: 'release',
          lockId: this.lockIdOf(m.resource),
        }),
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

  private pending(m: MessageOf<'accessPending'>): void {
    const own = { requestId: m.requestId, resource: m.resource, expiresAt: this.clock.now() + m.timeoutMs };
    this.outgoing.set(m.resource, own);
    this.ctx.emit('accessPending', m.resource, own);
  }

  private result(m: MessageOf<'accessResult'>): void {
    if (m.rid !== 0) {
      this.ctx.settle(m.rid, 'access', m.outcome);
      this.ctx.note('lock', `access to ${m.resource}: ${m.outcome}`);
    }
    const request = this.incoming.get(m.requestId);
    if (!request) return;
    this.incoming.delete(m.requestId);
    if (m.outcome === 'timeout') {
      this.ctx.note('lock', `missed ${request.from?.name ?? 'someone'}'s request for ${m.resource}`);
      this.ctx.emit('accessRequestMissed', request);
    }
    this.ctx.emit('accessRequestClosed', m.requestId);
  }
}
