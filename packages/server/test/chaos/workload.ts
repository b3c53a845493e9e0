import WebSocket from 'ws';
import { createClient, type RoomConnection, type TandemClient } from '../../../client/src/index.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import type { Replica } from './checks.js';
import { ChaosCluster } from './cluster.js';
import type { SeededRandom } from './schedule.js';

export type Mode = 'lww' | 'ops' | 'yjs';
export const MODES: readonly Mode[] = ['ops', 'lww', 'yjs'];

/** A lock's holder as one client saw it change, in the order it saw the changes. */
export interface LockSeen {
  resource: string;
  room: Mode;
  /** Who the client saw holding it ('' when free) and under which fence. */
  holder: string;
  fence: number;
  observer: string;
}

/** What one client did and what the room confirmed, for the checks after the run. */
export interface ClientHistory {
  readonly name: string;
  readonly mode: Mode;
  /** Ops tokens and Yjs items this client made, and those the room acknowledged. */
  readonly made: string[];
  readonly acked: Set<string>;
  /** The sequence each acknowledged op was acknowledged at (0: answered as handled long ago). */
  readonly ackedAt: Map<string, number>;
  /** Lww writes acknowledged: the version each got. */
  readonly lwwAcked: { version: number; value: string }[];
  readonly chatsSent: string[];
  readonly chatsEchoed: Set<string>;
  readonly locks: LockSeen[];
}

/** A history with nothing in it yet. */
export function emptyHistory(name: string, mode: Mode): ClientHistory {
  return {
    name,
    mode,
    made: [],
    acked: new Set(),
    ackedAt: new Map(),
    lwwAcked: [],
    chatsSent: [],
    chatsEchoed: new Set(),
    locks: [],
  };
}

/** One participant of the workload: a real SDK client behind its own proxy to one node. */
export class ChaosClient {
  readonly history: ClientHistory;
  readonly room: RoomConnection;
  private counter = 0;
  private readonly seen = new Map<string, string>();

  private constructor(
    readonly name: string,
    readonly mode: Mode,
    readonly proxy: TcpProxy,
    readonly client: TandemClient,
    roomId: string,
  ) {
    this.history = emptyHistory(name, mode);
    this.room = client.join({ roomId });
    this.room.on('locks', () => this.noteLocks());
    if (mode === 'ops')
      this.room.ops.use({ initial: [] as string[], apply: (s: string[], op: string) => [...s, op] });
  }

  static async connect(name: string, mode: Mode, frontPort: number, roomId: string): Promise<ChaosClient> {
    const proxy = await TcpProxy.start(`http://127.0.0.1:${frontPort}`);
    const token = await ChaosCluster.token(name, name);
    const client = createClient({
      url: `http://127.0.0.1:${proxy.port}`,
      auth: () => token,
      WebSocket: WebSocket as never,
      backoff: { baseMs: 50, maxMs: 800 },
      opsSnapshotEvery: 25,
      autoVisibility: false,
    });
    return new ChaosClient(name, mode, proxy, client, roomId);
  }

  /** One random action of the workload; never waits for the room. */
  act(random: SeededRandom): void {
    const n = ++this.counter;
    const roll = random.next();
    if (roll < 0.55) this.edit(n);
    else if (roll < 0.7) this.chat(n);
    else if (roll < 0.85) this.lock(random);
    else if (roll < 0.92) this.room.setPresence({ n });
    else this.ask(random);
  }

  /** An edit of this client's mode; resolves when the room acknowledged it (or never). */
  edit(n: number): Promise<unknown> {
    const token = `${this.name}-${n}`;
    if (this.mode === 'ops') {
      this.history.made.push(token);
      return this.room.ops.submit(token).then(
        (seq) => {
          this.history.acked.add(token);
          this.history.ackedAt.set(token, seq);
        },
        () => undefined,
      );
    }
    if (this.mode === 'lww') {
      this.history.made.push(token);
      return this.room.lww.set({ token }).then(
        (version) => this.history.lwwAcked.push({ version, value: token }),
        () => undefined,
      );
    }
    this.history.made.push(token);
    this.room.yjs.getArray<string>('items').push([token]);
    return Promise.resolve();
  }

  private chat(n: number): void {
    if (this.room.status !== 'connected') return;
    const text = `${this.name} says ${n}`;
    this.history.chatsSent.push(text);
    this.room.sendChat(text).then(
      () => this.history.chatsEchoed.add(text),
      () => undefined,
    );
  }

  private lock(random: SeededRandom): void {
    const resource = `res-${random.int(1, 2)}`;
    if (this.room.lockState(resource).kind === 'mine')
      void this.room.deselect(resource).catch(() => undefined);
    else void this.room.select(resource).catch(() => undefined);
  }

  private ask(random: SeededRandom): void {
    const resource = `res-${random.int(1, 2)}`;
    if (this.room.lockState(resource).kind === 'held')
      void this.room.requestAccess(resource, 'may I?').catch(() => undefined);
  }

  /** Answers open access requests: releases on even request ids, declines on odd ones. */
  answerRequests(): void {
    for (const request of this.room.accessRequests) {
      if (request.requestId % 2 === 0) request.release();
      else request.decline();
    }
  }

  private noteLocks(): void {
    const resources = new Set([...this.room.lockedResources, ...this.seen.keys()]);
    for (const resource of resources) {
      const state = this.room.lockState(resource);
      const holder = state.kind === 'mine' ? this.name : state.kind === 'held' ? state.holderUserId : '';
      const fence = state.kind === 'free' ? 0 : state.fence;
      const key = `${holder}@${fence}`;
      if (this.seen.get(resource) === key) continue;
      this.seen.set(resource, key);
      this.history.locks.push({ resource, room: this.mode, holder, fence, observer: this.name });
    }
  }

  /** The document as this client holds it, in a form two replicas can be compared by. */
  state(): string {
    if (this.mode === 'ops') return JSON.stringify(this.room.ops.state);
    if (this.mode === 'lww') return new TextDecoder().decode(this.room.lww.bytes);
    return JSON.stringify(this.room.yjs.getArray<string>('items').toJSON());
  }

  /** The confirmed version (0 for yjs). */
  version(): number {
    if (this.mode === 'ops') return this.room.ops.version;
    if (this.mode === 'lww') return this.room.lww.version;
    return 0;
  }

  /** What the checks look at, taken now. */
  replica(): Replica {
    return {
      name: this.name,
      mode: this.mode,
      history: this.history,
      state: this.state(),
      version: this.version(),
      roster: [...this.room.others.map((p) => p.name), this.room.self?.name ?? '?'],
      chat: this.room.chat.map((m) => m.text),
    };
  }

  async close(): Promise<void> {
    this.room.leave();
    await this.proxy.close();
  }
}
