import { ErrorCode } from '@tandem/protocol';
import type { Identity } from '@tandem/room';
import { Refusal, ROOM_MOVED } from '../refusal.js';
import { parseBase64, toBase64 } from '../rooms/content-json.js';
import type { CreatedSession, SessionRequest } from '../rooms/registry.js';
import type { ClusterBus } from './bus.js';
import type { Envelope, RoomCall } from './envelope.js';

/** What a forwarded call may take before the caller gives up. */
const CALL_TIMEOUT_MS = 10_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * Calls carried to the node that owns a session: a companion room is created where its session
 * runs, and the service API's reads, replacements and deletions of a room happen where it runs.
 * The caller waits for the answer (or gives up after {@link CALL_TIMEOUT_MS}); the owner answers
 * with the value or the refusal.
 */
export class SessionCalls {
  private readonly calls = new Map<string, Pending>();

  constructor(
    private readonly bus: ClusterBus,
    private readonly nodeId: string,
  ) {}

  /** Asks `owner` to create the session; `id` is unique in the cluster. */
  call(id: string, owner: string, host: Identity, request: SessionRequest): Promise<CreatedSession> {
    // Bytes do not survive JSON: the initial document travels as base64, beside the request.
    const { initialDocument, ...rest } = request;
    return this.send(id, owner, {
      t: 'call',
      id,
      from: this.nodeId,
      host,
      request: rest,
      ...(initialDocument ? { initialDocument: toBase64(initialDocument) } : {}),
    }) as Promise<CreatedSession>;
  }

  /** Asks `owner` to do `call` to one of its rooms; resolves with its JSON answer. */
  roomCall(id: string, owner: string, call: RoomCall): Promise<unknown> {
    return this.send(id, owner, { t: 'room-call', id, from: this.nodeId, call });
  }

  private send(id: string, owner: string, envelope: Envelope): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
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
      this.bus.send(owner, envelope);
    });
  }

  /** The session request another node's call carries, its initial document decoded. */
  static requestOf(envelope: Extract<Envelope, { t: 'call' }>): SessionRequest {
    const initialDocument =
      envelope.initialDocument === undefined ? undefined : parseBase64(envelope.initialDocument);
    return { ...envelope.request, ...(initialDocument ? { initialDocument } : {}) };
  }

  /** Another node's call: `run` does it here, and its value or refusal is the answer. */
  answer(envelope: Extract<Envelope, { t: 'call' | 'room-call' }>, run: () => Promise<unknown>): void {
    run().then(
      (value) => this.bus.send(envelope.from, { t: 'reply', id: envelope.id, value }),
      (error: unknown) => {
        const refusal =
          error instanceof Refusal ? error : new Refusal(ErrorCode.Internal, 'the call failed on its server');
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
    if (envelope.code === undefined) call.resolve(envelope.value);
    else call.reject(new Refusal(envelope.code as ErrorCode, envelope.message ?? ''));
  }

  /** A call never reached its node: the caller is told to try again, where the session is now. */
  lost(id: string): void {
    const call = this.calls.get(id);
    this.calls.delete(id);
    call?.reject(new Refusal(ErrorCode.ServerShutdown, ROOM_MOVED));
  }
}
