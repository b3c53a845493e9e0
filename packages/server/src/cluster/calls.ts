import { ErrorCode } from '@tandem/protocol';
import type { Identity } from '@tandem/room';
import { Refusal, ROOM_MOVED } from '../refusal.js';
import type { CreatedSession, SessionRequest } from '../rooms/registry.js';
import type { ClusterBus } from './bus.js';
import type { Envelope } from './envelope.js';

/** What a forwarded call may take before the caller gives up. */
const CALL_TIMEOUT_MS = 10_000;

interface Pending {
  resolve: (value: CreatedSession) => void;
  reject: (error: Error) => void;
}

/**
 * Session creation carried to another node: a companion room is created where its session runs.
 * The caller waits for the answer (or gives up after {@link CALL_TIMEOUT_MS}); the owner answers
 * with the session or the refusal.
 */
export class SessionCalls {
  private readonly calls = new Map<string, Pending>();

  constructor(
    private readonly bus: ClusterBus,
    private readonly nodeId: string,
  ) {}

  /** Asks `owner` to create the session; `id` is unique in the cluster. */
  call(id: string, owner: string, host: Identity, request: SessionRequest): Promise<CreatedSession> {
    return new Promise<CreatedSession>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new Refusal(ErrorCode.Internal, 'the server hosting the session did not answer'));
      }, CALL_TIMEOUT_MS);
      this.calls.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.bus.send(owner, { t: 'call', id, from: this.nodeId, host, request });
    });
  }

  /** Another node's call: creates the session here and answers it. */
  answer(
    envelope: Extract<Envelope, { t: 'call' }>,
    create: (host: Identity, request: SessionRequest) => Promise<CreatedSession>,
  ): void {
    create(envelope.host, envelope.request).then(
      (value) => this.bus.send(envelope.from, { t: 'reply', id: envelope.id, value }),
      (error: unknown) => {
        const refusal =
          error instanceof Refusal
            ? error
            : new Refusal(ErrorCode.Internal, 'the session could not be created');
        this.bus.send(envelope.from, {
          t: 'reply',
          id: envelope.id,
          code: refusal.code,
          message: refusal.message,
        });
      },
    );
  }

  /** The answer to one of this node's calls. */
  replied(envelope: Extract<Envelope, { t: 'reply' }>): void {
    const call = this.calls.get(envelope.id);
    if (!call) return;
    this.calls.delete(envelope.id);
    if (envelope.code === undefined) call.resolve(envelope.value as CreatedSession);
    else call.reject(new Refusal(envelope.code as ErrorCode, envelope.message ?? ''));
  }

  /** A call never reached its node: the caller is told to try again, where the session is now. */
  lost(id: string): void {
    const call = this.calls.get(id);
    this.calls.delete(id);
    call?.reject(new Refusal(ErrorCode.ServerShutdown, ROOM_MOVED));
  }
}
