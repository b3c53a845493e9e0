/**
 * The model-based property of the room engine, run by `model.property.test.ts` over fixed seeds and
 * by `model.regressions.test.ts` over the seeds it once failed with. fast-check generates sequences of actions by seven
 * users on eleven tabs in a room of ten (the host and three guests have two tabs each; one guest is
 * on the trusted list of a host-approval room): connecting with `since`, leaving, the host
 * admitting, declining and removing, policy and trusted-list changes, locks (acquire, release and
 * renew with current, stale, foreign and bogus ids), access requests and answers, document edits,
 * ops snapshots, chat, cursors, pings, small and large clock advances, flushes and graceful
 * restarts. The whole suite runs once for an `lww` room and once for an `ops` room. A small client
 * model per connection interprets every frame the room sends and, after every step, the test checks:
 *
 * 1. one holder per resource: every admitted connection's view of the locks (from `lockList` and
 *    `lockState`) equals the observer's (the host's first tab, which never leaves); an `acquired`
 *    only ever lands on a free resource; no two users believe they hold one resource; every tab of
 *    the holder has the grant;
 * 2. fencing tokens strictly increase per resource, and a lock id names exactly one grant;
 * 3. a connection receives nothing of the room before its `admission: admitted` (checked on raw
 *    frames: only welcome, waiting admission, error and pong, then the admission snapshot in the
 *    same step as the admission), and nothing after it was closed or left;
 * 4. documents converge: in `ops` mode every admitted tab holds the observer's state after every
 *    step; in `lww` mode after every flush; at the end every tab (reconnecting with `since`) holds
 *    the room's document, and so does the store.
 *
 * Each action also checks its own outcome against the model (grant, refusal, transfer to the
 * oldest requester, TTL expiry, who gets admitted or closed and why), with rate budgets mirrored
 * exactly so that dropped messages are expected rather than guessed.
 */
import {
  type AdmissionPolicy,
  type ClientMessage,
  closeCodeOf,
  type DocMode,
  decode,
  ErrorCode,
  MESSAGES,
  type Message,
  type MessageName,
  type MessageOf,
  PROTOCOL_VERSION,
} from '@tandem/protocol';
import fc from 'fast-check';
import { LwwDocument, ManualClock, MemoryRoomStore, Room, type RoomConfig } from '../../src/index.js';
import { type BudgetVerdict, budgetKindOf, ConnectionBudgets } from '../../src/parts/budget.js';
import { documentOf } from './document.js';
import { bytes, Peer, text } from './harness.js';
import { seededRandom } from './random.js';

// ── The cast ─────────────────────────────────────────────────────────────────────────────────

const HOST = 'hana';
/**
 * Tab 0 is the observer: the host's first tab, connected first and never closed (a restart closes
 * it and it reconnects at once). Eleven tabs for a room of ten, so the room also fills up.
 */
const TAB_USERS = [
  'hana',
  'hana',
  'alice',
  'alice',
  'bob',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'frank',
] as const;
const EMAIL: Readonly<Record<string, string>> = {
  hana: 'hana@example.com',
  alice: 'alice@example.com',
  bob: 'bob@example.com',
  carol: 'carol@example.com',
  dave: 'dave@example.com',
  frank: 'frank@example.com',
};
const TRUSTED = ['Alice@Example.com'];
const RESOURCES = ['slide-1', 'slide-2', 'title', 'image'] as const;
/** Edits name one of the lockable resources or none. */
const EDIT_RESOURCES = [...RESOURCES, ''] as const;
const NO_SUCH_SLOT = 60_000;

// ── Wire facts ───────────────────────────────────────────────────────────────────────────────

const tag = (name: MessageName): number => MESSAGES[name].tag;
/** All a connection may receive before it is admitted. */
const PRE_ADMISSION = new Set(
  (['welcome', 'admission', 'error', 'pong'] as const satisfies readonly MessageName[]).map(tag),
);
/** What the admission snapshot is made of; it starts with `settings` and ends with `admission`. */
const SNAPSHOT = new Set(
  (
    [
      'settings',
      'roster',
      'lockList',
      'lockGranted',
      'accessRequested',
      'chatHistory',
      'lwwDoc',
      'opsSync',
      // Where everyone's cursor is: one pointer frame, packed 2D cursors, or a batch of them.
      'batch',
      'peerCursor2d',
      'peerCursor3d',
      'peerSelection',
      'peerCursors2d',
      'waitingList',
    ] as const satisfies readonly MessageName[]
  ).map(tag),
);
const CURSOR_FRAMES = new Set(
  (
    [
      'peerCursor2d',
      'peerCursor3d',
      'peerSelection',
      'peerCursors2d',
    ] as const satisfies readonly MessageName[]
  ).map(tag),
);

// ── Actions ──────────────────────────────────────────────────────────────────────────────────

type LockIdChoice = 'own' | 'stale' | 'foreign' | 'bogus';
/** `pick` fields choose among whatever fits at run time (live tabs, waiting slots …), modulo. */
export type Action =
  | { readonly k: 'connect'; readonly pick: number }
  | { readonly k: 'disconnect'; readonly pick: number }
  | {
      readonly k: 'host';
      readonly act: 'admit' | 'decline' | 'remove';
      readonly by: number;
      readonly pick: number;
    }
  | { readonly k: 'policy'; readonly by: number; readonly policy: AdmissionPolicy }
  | { readonly k: 'trust'; readonly by: number; readonly bob: boolean }
  | { readonly k: 'acquire'; readonly pick: number; readonly res: number }
  | { readonly k: 'release'; readonly pick: number; readonly res: number; readonly lockId: LockIdChoice }
  | { readonly k: 'renew'; readonly pick: number; readonly res: number; readonly lockId: LockIdChoice }
  | { readonly k: 'request'; readonly pick: number; readonly res: number }
  | {
      readonly k: 'answer';
      readonly pick: number;
      readonly req: number;
      readonly release: boolean;
      readonly lockId: LockIdChoice;
    }
  | { readonly k: 'edit'; readonly pick: number; readonly res: number }
  | { readonly k: 'snapshot'; readonly pick: number }
  | { readonly k: 'chat'; readonly pick: number }
  | { readonly k: 'cursor'; readonly pick: number; readonly x: number; readonly y: number }
  | { readonly k: 'ping'; readonly pick: number }
  | { readonly k: 'advance'; readonly ms: number }
  | { readonly k: 'flush' }
  | { readonly k: 'restart' }
  /** Not generated: the end of a run brings back one particular tab. */
  | { readonly k: 'reconnect'; readonly tab: number };

const pick = fc.nat({ max: 999 });
const res = fc.nat({ max: RESOURCES.length - 1 });
const hostTab = fc.constantFrom(0, 1);
const lockId = fc.constantFrom<LockIdChoice>('own', 'own', 'own', 'own', 'stale', 'foreign', 'bogus');

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant('connect' as const), pick }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('disconnect' as const), pick }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('host' as const),
      act: fc.constantFrom('admit' as const, 'admit' as const, 'decline' as const, 'remove' as const),
      by: hostTab,
      pick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('policy' as const),
      by: hostTab,
      policy: fc.constantFrom<AdmissionPolicy>('host-approval', 'host-approval', 'open', 'trusted'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('trust' as const), by: hostTab, bob: fc.boolean() }) },
  { weight: 10, arbitrary: fc.record({ k: fc.constant('acquire' as const), pick, res }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('release' as const), pick, res, lockId }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('renew' as const), pick, res, lockId }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('request' as const), pick, res }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('answer' as const),
      pick,
      req: pick,
      release: fc.boolean(),
      lockId,
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant('edit' as const),
      pick,
      res: fc.nat({ max: EDIT_RESOURCES.length - 1 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('snapshot' as const), pick }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('chat' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('cursor' as const),
      pick,
      x: fc.integer({ min: 0, max: 1000 }),
      y: fc.integer({ min: 0, max: 1000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('ping' as const), pick }) },
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant('advance' as const),
      ms: fc.constantFrom(100, 100, 100, 250, 1_000, 4_000, 10_000, 30_000, 61_000),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restart' as const) }) },
);

// ── Client model ─────────────────────────────────────────────────────────────────────────────

interface Hold {
  readonly holder: string;
  readonly fence: number;
}

interface Grant {
  readonly lockId: string;
  readonly fence: number;
}

/** One browser tab: the document it holds survives its connections, so a reconnect sends `since`. */
class Tab {
  conn: Conn | undefined;
  /** lww: the last version the room confirmed to this tab, and its bytes. */
  version = 0;
  doc = '';
  /** ops: the sequence applied so far and the state it produced (resource → last op). */
  seq = 0;
  ops = new Map<string, string>();
  /** Every lock id this tab was ever granted, per resource, to send stale ones. */
  readonly lockIds = new Map<string, string[]>();

  constructor(
    readonly index: number,
    readonly user: string,
  ) {}
}

/** One connection of a tab, and what it learned from the frames it received. */
class Conn {
  readonly peer: Peer;
  readonly budgets: ConnectionBudgets;
  read = 0;
  slot = 0;
  /** Frame index and step of `admission: admitted`; -1 until then. */
  admittedAt = -1;
  admittedStep = -1;
  /** Frame index and step where the admission snapshot began (its `settings`). */
  snapshotAt = -1;
  snapshotStep = -1;
  closedBy: 'model' | 'room' | undefined;
  closedStep = -1;
  framesAtDisconnect = 0;
  /** Frames received in the current step. */
  received: Message[] = [];
  readonly view = new Map<string, Hold>();
  readonly lastFence = new Map<string, number>();
  readonly grants = new Map<string, Grant>();
  /** Access requests this connection may answer: requestId → what and who. */
  readonly requests = new Map<number, { resource: string; fromUser: string }>();
  /** lww writes awaiting their ack: rid → document text. */
  readonly pending = new Map<number, string>();
  roster = new Set<number>();
  waiting: number[] = [];
  lastLww = -1;
  lastChat = 0;

  constructor(
    readonly tab: Tab,
    world: World,
  ) {
    const user = tab.user;
    this.peer = new Peer(world.room, { userId: user, name: user, email: EMAIL[user] });
    this.budgets = new ConnectionBudgets(world.room.limits);
  }

  get user(): string {
    return this.tab.user;
  }
  get live(): boolean {
    return this.closedBy === undefined;
  }
  get admitted(): boolean {
    return this.live && this.admittedAt >= 0;
  }
  get waitingRoom(): boolean {
    return this.live && this.admittedAt < 0 && this.slot !== 0;
  }
  errors(rid?: number): MessageOf<'error'>[] {
    return this.received.filter(
      (m): m is MessageOf<'error'> => m.type === 'error' && (rid === undefined || m.rid === rid),
    );
  }
  got<N extends MessageName>(type: N): MessageOf<N>[] {
    return this.received.filter((m): m is MessageOf<N> => m.type === type);
  }
}

class ModelViolation extends Error {}

/** Serialises an ops state for `opsSnapshot`, and reads it back from an `opsSync` base. */
function snapshotOf(state: ReadonlyMap<string, string>): string {
  return JSON.stringify([...state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
function stateOf(base: Uint8Array): Map<string, string> {
  if (base.length === 0) return new Map();
  const entries: unknown = JSON.parse(text(base));
  if (!Array.isArray(entries)) throw new ModelViolation(`snapshot base is not a list: ${text(base)}`);
  const out = new Map<string, string>();
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string') {
      throw new ModelViolation(`bad snapshot entry ${JSON.stringify(e)}`);
    }
    out.set(e[0], e[1]);
  }
  return out;
}
function sameState(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return snapshotOf(a) === snapshotOf(b);
}

/** Checks an action's outcome once the frames of its step are delivered. */
type PostCheck = () => void;

// ── The world: room, tabs, model state and checks ────────────────────────────────────────────

class World {
  readonly clock = new ManualClock();
  readonly store = new MemoryRoomStore();
  room: Room;
  /** Restarts so far; each room generation draws its own lock ids. */
  private generation = 0;
  readonly tabs: Tab[];
  readonly conns: Conn[] = [];
  readonly slotConn = new Map<number, Conn>();
  step = 0;
  readonly trace: string[] = [];
  settings: MessageOf<'settings'> | undefined;
  /** Users the host admitted (and did not remove): they skip the waiting room. */
  readonly hostAdmitted = new Set<string>();
  /** Users the host removed, while the room is loaded: they wait for the host whatever the policy. */
  readonly removedUsers = new Set<string>();
  /** Known lease end per held resource; undefined when it was granted at an unknown instant. */
  readonly expiry = new Map<string, number | undefined>();
  /** Open access requests by global rid: requester, resource, when. */
  readonly openRequests = new Map<number, { user: string; resource: string; at: number }>();
  readonly grantLockId = new Map<string, string>();
  readonly lockIdGrant = new Map<string, string>();
  readonly lwwContent = new Map<number, string>();
  readonly lwwAuthor = new Map<number, number>();
  /** Highest fence the observer saw granted per resource, across restarts. */
  readonly fenceFloor = new Map<string, number>();
  /** Users some lock frame of this step said have no live connection. */
  private noSlotHolders = new Set<string>();
  /** ops: the room's snapshot point. */
  baseSeq = 0;
  private nextRid = 1;
  private nextEdit = 1;
  private expectAdmit = new Set<Conn>();
  private expectClose = new Map<Conn, ErrorCode>();
  private timed = false;
  /** The action of the current step, to tell which lock changes it may cause. */
  private action: Action = { k: 'flush' };
  /** Messages the budget mirror says the room dropped this step, and whether it tells. */
  private drops: { conn: Conn; rid: number; tell: boolean }[] = [];

  constructor(readonly mode: DocMode) {
    this.room = new Room(this.config());
    this.tabs = TAB_USERS.map((user, i) => new Tab(i, user));
  }

  /** lww rooms name their host up front; ops rooms make the first to say hello the host. */
  private config(): RoomConfig {
    const hostUserId = this.mode === 'lww' ? HOST : undefined;
    return {
      id: 'room-1',
      clock: this.clock,
      store: this.store,
      random: seededRandom(1 + this.generation),
      settings: { policy: 'host-approval', docMode: this.mode, hostUserId, trusted: TRUSTED },
      // Moves go out at once, so each is checked where it happens; the cursor tick has its own
      // property test (cursors.property.test.ts).
      // Knocks after a decline or removal are let through at once, so the model needs no cooldown.
      limits: { cursorTickMs: 0, knockCooldownMs: 0 },
      manualFlush: true,
    };
  }

  get now(): number {
    return this.clock.now();
  }

  get max(): number {
    return this.room.limits.maxParticipants;
  }

  private admittedCount(): number {
    return this.conns.filter((c) => c.admitted).length;
  }

  get obs(): Conn {
    const c = this.tabs[0]!.conn;
    if (!c?.admitted) this.fail('the observer is not connected and admitted');
    return c;
  }

  fail(message: string): never {
    throw new ModelViolation(
      `${message}\n  at step ${this.step}; steps so far:\n    ${this.trace.join('\n    ')}`,
    );
  }

  check(condition: boolean, message: string): asserts condition {
    if (!condition) this.fail(message);
  }

  // ── Running ──

  async run(actions: readonly Action[]): Promise<void> {
    await this.do({ k: 'connect', pick: 0 });
    for (const a of actions) await this.do(a);
    await this.quiesce();
  }

  /** One step: act, deliver, check the action's outcome, check every invariant. */
  private async do(a: Action): Promise<void> {
    this.step++;
    this.expectAdmit = new Set();
    this.expectClose = new Map();
    this.timed = a.k === 'advance';
    this.action = a;
    this.drops = [];
    this.noSlotHolders = new Set();
    for (const c of this.conns) c.received = [];
    const post = await this.apply(a);
    this.drain();
    post?.();
    this.checkStep();
  }

  /** The end of a run: open the room, bring every tab back, flush, and compare documents. */
  private async quiesce(): Promise<void> {
    this.trace.push('── quiesce ──');
    await this.do({ k: 'advance', ms: 2_000 });
    await this.do({ k: 'policy', by: 0, policy: 'open' });
    // Once the room is full, the rest are turned away.
    for (const t of this.tabs.filter((x) => !x.conn)) await this.do({ k: 'reconnect', tab: t.index });
    await this.do({ k: 'flush' });
    await this.do({ k: 'advance', ms: 100 });
    await this.do({ k: 'flush' });

    const room = this.room;
    const back = this.tabs.filter((t) => t.conn?.admitted);
    // Tabs of a user the host removed wait for the host, open room or not.
    const held = this.tabs.filter((t) => t.conn?.waitingRoom && this.removedUsers.has(t.conn.user));
    this.check(
      back.length === Math.min(this.tabs.length - held.length, this.max),
      `only ${back.length} tabs are back`,
    );
    const record = await this.store.load(room.id);
    if (this.mode === 'lww') {
      const doc = documentOf(room);
      this.check(doc instanceof LwwDocument, 'lww room without an LwwDocument');
      const roomDoc = text(doc.bytes);
      for (const t of back) {
        this.check(
          t.version === room.documentVersion && t.doc === roomDoc,
          `tab ${t.index} (${t.user}) holds v${t.version} "${t.doc}", the room v${room.documentVersion} "${roomDoc}"`,
        );
      }
      const stored = record?.doc;
      if (room.documentVersion > 0) {
        this.check(
          stored?.mode === 'lww' && stored.version === room.documentVersion && text(stored.doc) === roomDoc,
          'the store does not hold the room document',
        );
      }
    } else {
      const canon = this.tabs[0]!;
      this.check(
        canon.seq === room.documentVersion,
        `observer at seq ${canon.seq}, room at ${room.documentVersion}`,
      );
      for (const t of back) {
        this.check(
          t.seq === canon.seq && sameState(t.ops, canon.ops),
          `tab ${t.index} (${t.user}) at seq ${t.seq} ${snapshotOf(t.ops)}, room at ${canon.seq} ${snapshotOf(canon.ops)}`,
        );
      }
      const stored = record?.doc;
      if (room.documentVersion > 0) {
        this.check(stored?.mode === 'ops', 'the store holds no ops document');
        const state = stateOf(stored.base);
        let seq = stored.baseSeq;
        for (const o of stored.ops) {
          this.check(o.seq > seq, `stored log goes back from ${seq} to ${o.seq}`);
          seq = o.seq;
          state.set(o.resource, text(o.op));
        }
        this.check(
          seq === canon.seq && stored.seq === canon.seq && sameState(state, canon.ops),
          `the store rebuilds seq ${seq} ${snapshotOf(state)}, the room is at ${canon.seq} ${snapshotOf(canon.ops)}`,
        );
      }
    }
  }

  // ── Acting ──

  private liveTabs(): Tab[] {
    return this.tabs.filter((t) => t.conn);
  }

  /**
   * The connection a tab-level action comes from: mostly an admitted one, one time in four any
   * live one (waiting ones included, which must be refused). `prefer` narrows the choice further
   * when some connection fits it (a holder with requests to answer …).
   */
  private actor(n: number, prefer?: (c: Conn) => boolean): Conn | undefined {
    const live = this.liveTabs().map((t) => t.conn!);
    const admitted = live.filter((c) => c.admitted);
    const preferred = prefer ? admitted.filter(prefer) : [];
    const pool = preferred.length > 0 && n % 3 !== 0 ? preferred : n % 4 === 0 ? live : admitted;
    return pool[Math.floor(n / 4) % Math.max(1, pool.length)];
  }

  /** Resource `n`, or, when `prefer` picks some, mostly one of those. */
  private resource(n: number, prefer: (r: string) => boolean): string {
    const preferred = RESOURCES.filter(prefer);
    return preferred.length > 0 && n % 4 !== 0
      ? preferred[n % preferred.length]!
      : RESOURCES[n % RESOURCES.length]!;
  }

  private hostConn(by: number): Conn {
    const second = this.tabs[1]!.conn;
    return by === 1 && second?.admitted ? second : this.obs;
  }

  /** Sends through the budget mirror; true when the room will process the message. */
  private send(c: Conn, m: ClientMessage): boolean {
    const verdict: BudgetVerdict = c.budgets.take(budgetKindOf(m.type), this.now);
    if (verdict === 'flood') this.expectClose.set(c, ErrorCode.Flood);
    if (verdict === 'drop' || verdict === 'drop-and-tell') {
      // A dropped request (with a rid) is always answered; rid-less streams at most once a second.
      const rid = 'rid' in m ? m.rid : 0;
      this.drops.push({ conn: c, rid, tell: verdict === 'drop-and-tell' || rid !== 0 });
    }
    c.peer.send(m);
    return verdict === 'ok';
  }

  private rid(): number {
    return this.nextRid++;
  }

  private note(c: Conn | undefined, what: string): undefined {
    const who = c ? `tab${c.tab.index}/${c.user}#${c.slot}` : '-';
    this.trace.push(`${this.step}. t=${this.now % 1_000_000} ${who} ${what}`);
    return undefined;
  }

  private allowed(user: string): boolean {
    const s = this.settings;
    if (!s) this.fail('no settings seen yet');
    if (user === HOST) return true;
    if (this.removedUsers.has(user)) return false;
    if (s.policy === 'open' || this.hostAdmitted.has(user)) return true;
    const email = EMAIL[user];
    return email !== undefined && s.trusted.includes(email);
  }

  private hold(resource: string): Hold | undefined {
    return this.obs.view.get(resource);
  }

  private viewCopy(): Map<string, Hold> {
    return new Map(this.obs.view);
  }

  private expectViewUnchanged(before: ReadonlyMap<string, Hold>, what: string): void {
    const after = this.obs.view;
    const same =
      after.size === before.size &&
      [...before].every(([r, h]) => after.get(r)?.holder === h.holder && after.get(r)?.fence === h.fence);
    this.check(
      same,
      `${what} changed the locks: ${JSON.stringify([...before])} → ${JSON.stringify([...after])}`,
    );
  }

  /** A refused request: an error echoing `rid` if the room processed it, and no other effect. */
  private expectRefused(c: Conn, processed: boolean, rid: number, what: string): void {
    if (processed) this.check(c.errors(rid).length > 0, `${what}: expected a refusal (rid ${rid})`);
  }

  private expectAccepted(c: Conn, rid: number, what: string): void {
    const errors = c.errors(rid);
    this.check(errors.length === 0, `${what}: unexpected error ${JSON.stringify(errors)}`);
  }

  /** The oldest open request for `resource` (rids grow with time). */
  private oldestRequest(resource: string): { rid: number; user: string } | undefined {
    let best: { rid: number; user: string } | undefined;
    for (const [rid, q] of this.openRequests) {
      if (q.resource === resource && (!best || rid < best.rid)) best = { rid, user: q.user };
    }
    return best;
  }

  private renewed(resource: string): void {
    this.expiry.set(resource, this.now + this.room.limits.lockTtlMs);
  }

  private chooseLockId(tab: Tab, resource: string, choice: LockIdChoice, own: string | undefined): string {
    const history = tab.lockIds.get(resource) ?? [];
    if (choice === 'own') return own ?? history.at(-1) ?? 'never-granted';
    if (choice === 'stale') return history.filter((id) => id !== own).at(-1) ?? 'stale-lock-id';
    if (choice === 'foreign') {
      // Another user's current lock id: lock ids prove authorship only together with the user.
      const holder = this.conns.find((c) => c.admitted && c.user !== tab.user && c.grants.has(resource));
      return holder?.grants.get(resource)?.lockId ?? 'foreign-lock-id';
    }
    return 'bogus-lock-id';
  }

  private async apply(a: Action): Promise<PostCheck | undefined> {
    switch (a.k) {
      case 'connect': {
        const offline = this.tabs.filter((t) => !t.conn);
        const tab = offline[a.pick % Math.max(1, offline.length)];
        return tab ? this.connect(tab) : this.note(undefined, 'connect: every tab is connected');
      }
      case 'reconnect':
        return this.connect(this.tabs[a.tab]!);
      case 'restart':
        return this.restart();
      case 'disconnect': {
        const candidates = this.liveTabs().filter((t) => t.index !== 0);
        const tab = candidates[a.pick % Math.max(1, candidates.length)];
        const c = tab?.conn;
        if (!tab || !c) return this.note(undefined, 'disconnect: nobody to disconnect');
        this.note(c, 'disconnects');
        c.peer.disconnect();
        this.drainConn(c);
        c.closedBy = 'model';
        c.closedStep = this.step;
        c.framesAtDisconnect = c.peer.socket.frames.length;
        this.gone(c);
        return undefined;
      }
      case 'host':
        return this.hostAction(a.act, this.hostConn(a.by), a.pick);
      case 'policy':
      case 'trust': {
        const host = this.hostConn(a.by);
        const waiting = this.conns.filter((c) => c.waitingRoom);
        let ok: boolean;
        if (a.k === 'policy') {
          this.note(host, `sets policy ${a.policy}`);
          ok = this.send(host, { type: 'setPolicy', policy: a.policy });
        } else {
          const emails = a.bob ? [...TRUSTED, ' BOB@example.com'] : TRUSTED;
          this.note(host, `sets trusted ${JSON.stringify(emails)}`);
          ok = this.send(host, { type: 'setTrusted', emails });
        }
        return () => {
          if (!ok) return;
          const s = this.settings;
          this.check(host.got('settings').length === 1, 'the host did not get the new settings');
          if (a.k === 'policy') this.check(s?.policy === a.policy, `policy is ${s?.policy}, not ${a.policy}`);
          // In connection order, while there is room; the others keep waiting.
          let count = this.admittedCount() - waiting.filter((c) => c.admitted).length;
          for (const c of waiting) {
            if (this.allowed(c.user)) {
              if (count < this.max) {
                this.expectAdmit.add(c);
                count++;
              }
            } else if (s?.policy === 'trusted' && !this.removedUsers.has(c.user))
              this.expectClose.set(c, ErrorCode.NotTrusted);
          }
        };
      }
      case 'acquire': {
        const c = this.actor(a.pick);
        if (!c) return undefined;
        const resource = RESOURCES[a.res]!;
        const before = this.viewCopy();
        const held = before.get(resource);
        const rid = this.rid();
        this.note(c, `acquires ${resource} (rid ${rid})`);
        const admitted = c.admitted;
        const ok = this.send(c, { type: 'lockAcquire', rid, resource });
        return () => {
          if (!ok || !admitted) {
            this.expectRefused(c, ok, rid, 'acquire before admission');
            return this.expectViewUnchanged(before, 'an unprocessed acquire');
          }
          const granted = c.got('lockGranted').filter((g) => g.rid === rid);
          if (!held) {
            const now = this.hold(resource);
            this.check(now?.holder === c.user, `acquire of free ${resource} did not grant it to ${c.user}`);
            this.check(
              granted.length === 1 && granted[0]!.fence === now.fence,
              'acquire: no lockGranted with rid',
            );
          } else if (held.holder === c.user) {
            this.expectViewUnchanged(before, 'a re-acquire by the holder');
            this.check(
              granted.length === 1 && granted[0]!.fence === held.fence,
              're-acquire: no renewal grant',
            );
            this.renewed(resource);
          } else {
            this.check(
              c.errors(rid).some((e) => e.code === ErrorCode.LockedByOther),
              `acquire of ${resource} held by ${held.holder} was not refused`,
            );
            this.expectViewUnchanged(before, 'a refused acquire');
          }
        };
      }
      case 'release':
      case 'renew': {
        const c = this.actor(a.pick, (x) => x.grants.size > 0);
        if (!c) return undefined;
        const resource = this.resource(a.res, (r) => c.grants.has(r));
        const before = this.viewCopy();
        const held = before.get(resource);
        const own = c.grants.get(resource)?.lockId;
        const id = this.chooseLockId(c.tab, resource, a.lockId, own);
        const admitted = c.admitted;
        const correct = admitted && held?.holder === c.user && own !== undefined && id === own;
        const next = this.oldestRequest(resource);
        const rid = a.k === 'release' ? this.rid() : 0;
        this.note(c, `${a.k}s ${resource} with ${a.lockId} id ${id === own ? '(current)' : id} (rid ${rid})`);
        const ok =
          a.k === 'release'
            ? this.send(c, { type: 'lockRelease', rid, resource, lockId: id })
            : this.send(c, { type: 'lockRenew', resource, lockId: id });
        return () => {
          if (!ok || !correct) {
            this.expectRefused(c, ok, rid, `${a.k} without the current lock id`);
            return this.expectViewUnchanged(before, `a refused ${a.k}`);
          }
          this.expectAccepted(c, rid, a.k);
          if (a.k === 'renew') {
            this.expectViewUnchanged(before, 'a renewal');
            return this.renewed(resource);
          }
          const after = this.hold(resource);
          if (next) {
            this.check(
              after?.holder === next.user && after.fence > held!.fence,
              `release of ${resource} should pass it to the oldest requester ${next.user}, got ${JSON.stringify(after)}`,
            );
          } else {
            this.check(after === undefined, `released ${resource} is still held: ${JSON.stringify(after)}`);
          }
        };
      }
      case 'request': {
        const c = this.actor(a.pick);
        if (!c) return undefined;
        const resource = this.resource(a.res, (r) => {
          const h = this.obs.view.get(r);
          return h !== undefined && h.holder !== c.user;
        });
        const held = this.obs.view.get(resource);
        const rid = this.rid();
        const admitted = c.admitted;
        this.note(c, `asks for ${resource} (rid ${rid})`);
        const ok = this.send(c, { type: 'accessRequest', rid, resource, message: `please ${rid}` });
        return () => {
          const refused = c.errors(rid).length > 0;
          if (!ok || !admitted || !held || held.holder === c.user) {
            return this.expectRefused(c, ok, rid, 'a request for a free, own or unreachable lock');
          }
          const already = [...this.openRequests.values()].some(
            (q) => q.user === c.user && q.resource === resource,
          );
          this.check(refused === already, `request refused=${refused} but an open one exists=${already}`);
          if (refused) return;
          this.openRequests.set(rid, { user: c.user, resource, at: this.now });
          this.check(
            c
              .got('accessPending')
              .some((p) => p.rid === rid && p.timeoutMs === this.room.limits.accessTimeoutMs),
            `the requester of ${resource} was not told how long it may wait`,
          );
          for (const holder of this.conns.filter((h) => h.admitted && h.user === held.holder)) {
            this.check(
              holder.got('accessRequested').some((q) => q.resource === resource && q.fromUser === c.user),
              `holder tab ${holder.tab.index} was not asked for ${resource}`,
            );
          }
        };
      }
      case 'answer': {
        const c = this.actor(a.pick, (x) => x.requests.size > 0);
        if (!c) return undefined;
        const open = [...c.requests.entries()];
        const chosen = open.length > 0 ? open[a.req % open.length] : undefined;
        const requestId = chosen ? chosen[0] : 10_000 + a.req;
        const resource = chosen?.[1].resource ?? RESOURCES[a.req % RESOURCES.length]!;
        const before = this.viewCopy();
        const held = before.get(resource);
        const own = c.grants.get(resource)?.lockId;
        const id = this.chooseLockId(c.tab, resource, a.lockId, own);
        const admitted = c.admitted;
        const decision = a.release ? 'release' : 'decline';
        const valid = admitted && chosen !== undefined && held?.holder === c.user;
        const success = valid && (decision === 'decline' || (own !== undefined && id === own));
        this.note(c, `answers request ${requestId} on ${resource}: ${decision} with ${a.lockId} id`);
        const ok = this.send(c, { type: 'accessAnswer', requestId, decision, lockId: id });
        return () => {
          if (!ok || !success) {
            this.expectRefused(c, ok, 0, 'an answer to no open request, by a non-holder or with a stale id');
            return this.expectViewUnchanged(before, 'a refused answer');
          }
          this.expectAccepted(c, 0, 'answer');
          if (decision === 'decline') return this.expectViewUnchanged(before, 'a declined request');
          const after = this.hold(resource);
          const fromUser = chosen![1].fromUser;
          this.check(
            after?.holder === fromUser && after.fence > held!.fence,
            `released ${resource} did not pass to requester ${fromUser}: ${JSON.stringify(after)}`,
          );
        };
      }
      case 'edit':
      case 'snapshot':
        return this.edit(a);
      case 'chat': {
        const c = this.actor(a.pick);
        if (!c) return undefined;
        const rid = this.rid();
        const admitted = c.admitted;
        this.note(c, `chats (rid ${rid})`);
        const ok = this.send(c, { type: 'chatSend', rid, body: bytes(`{"text":"hi ${rid}"}`) });
        return () => {
          const delivered = ok && admitted;
          for (const other of this.conns) {
            const chats = other.got('chat').filter((m) => m.rid === rid);
            const want = delivered && other.admitted ? 1 : 0;
            this.check(
              chats.length === want,
              `tab ${other.tab.index} got ${chats.length} copies of chat ${rid}`,
            );
            if (want) this.check(chats[0]!.slot === c.slot, 'chat names the wrong author');
          }
          if (!delivered) this.expectRefused(c, ok, rid, 'chat before admission');
        };
      }
      case 'cursor': {
        const c = this.actor(a.pick);
        if (!c) return undefined;
        const admitted = c.admitted;
        this.note(c, `moves the cursor to ${a.x},${a.y}`);
        const ok = this.send(c, { type: 'cursor2d', x: a.x, y: a.y });
        return () => {
          for (const other of this.conns) {
            const moves = other.got('peerCursor2d').filter((m) => m.slot === c.slot);
            const want = ok && admitted && other.admitted && other !== c ? 1 : 0;
            this.check(
              moves.length === want,
              `tab ${other.tab.index} got ${moves.length} copies of a cursor move`,
            );
            if (want) this.check(moves[0]!.x === a.x && moves[0]!.y === a.y, 'cursor moved elsewhere');
          }
        };
      }
      case 'ping': {
        const c = this.actor(a.pick);
        if (!c) return undefined;
        const nonce = this.rid();
        this.note(c, `pings ${nonce}`);
        const ok = this.send(c, { type: 'ping', nonce });
        return () => {
          const pongs = c.got('pong').filter((p) => p.nonce === nonce);
          this.check(pongs.length === (ok ? 1 : 0), `ping ${nonce} got ${pongs.length} pongs`);
        };
      }
      case 'advance':
        this.note(undefined, `advances ${a.ms} ms`);
        this.clock.advance(a.ms);
        return undefined;
      case 'flush':
        this.note(undefined, 'flushes');
        await this.room.idle();
        return () => this.checkLwwConverged();
      default:
        return a satisfies never;
    }
  }

  private connect(tab: Tab): PostCheck {
    this.check(!tab.conn, `tab ${tab.index} is already connected`);
    const c = new Conn(tab, this);
    this.conns.push(c);
    tab.conn = c;
    const since = this.mode === 'lww' ? tab.version : tab.seq;
    // The observer's first hello has no settings to go by; the host is always admitted.
    const allowed = tab.user === HOST || this.allowed(tab.user);
    const admit = allowed && this.admittedCount() < this.max;
    const refuse = allowed ? !admit : this.settings?.policy === 'trusted' && !this.removedUsers.has(tab.user);
    this.note(c, `connects with since ${since}`);
    if (!this.send(c, { type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since })) {
      this.fail('a fresh connection is over its control budget');
    }
    if (admit) this.expectAdmit.add(c);
    else if (refuse) this.expectClose.set(c, allowed ? ErrorCode.RoomFull : ErrorCode.NotTrusted);
    return () => {
      this.check(c.got('welcome').length === 1, 'no welcome');
      if (admit || refuse) return;
      this.check(
        c.got('admission').some((m) => m.state === 'waiting'),
        `tab ${tab.index} (${tab.user}) was not told it waits`,
      );
      for (const host of this.conns.filter((h) => h.admitted && h.user === HOST)) {
        this.check(
          host.waiting.includes(c.slot),
          `host tab ${host.tab.index} does not list waiting slot ${c.slot}`,
        );
      }
    };
  }

  /**
   * A graceful restart: the room closes every connection (ServerShutdown), stores what is left and
   * is loaded again from the store; the observer reconnects at once. Locks, leases, fences,
   * settings, admitted users and the document must all come back as they were.
   */
  private async restart(): Promise<PostCheck> {
    const before = this.viewCopy();
    const version = this.room.documentVersion;
    this.note(undefined, `restarts the room (generation ${this.generation + 1})`);
    for (const c of this.conns) if (c.live) this.expectClose.set(c, ErrorCode.ServerShutdown);
    await this.room.close();
    this.check(this.clock.pending === 0, `the closed room left ${this.clock.pending} timers behind`);
    this.drain();
    this.slotConn.clear();
    this.removedUsers.clear();
    this.generation++;
    this.room = await Room.load(this.config());
    const reconnected = this.connect(this.tabs[0]!);
    return () => {
      reconnected();
      this.expectViewUnchanged(before, 'a restart');
      this.check(this.room.documentVersion === version, `restart moved the document from ${version}`);
    };
  }

  private hostAction(act: 'admit' | 'decline' | 'remove', host: Conn, n: number): PostCheck {
    const list = act === 'remove' ? [...host.roster] : host.waiting;
    const slot = list.length > 0 ? list[n % list.length]! : NO_SUCH_SLOT;
    const target = this.slotConn.get(slot);
    const before = this.viewCopy();
    this.note(host, `${act}s slot ${slot} (${target ? `tab${target.tab.index}/${target.user}` : 'nobody'})`);
    const ok = this.send(host, { type: 'admit', action: act, slot });
    let refused = true;
    const full = this.admittedCount() >= this.max;
    if (ok && target?.waitingRoom && !(act === 'admit' && full)) {
      if (act === 'admit') {
        this.expectAdmit.add(target);
        this.hostAdmitted.add(target.user);
        this.removedUsers.delete(target.user);
      } else {
        this.expectClose.set(target, ErrorCode.Declined);
      }
      refused = false;
    } else if (ok && act === 'remove' && target?.admitted && target.user !== HOST) {
      for (const c of this.conns)
        if (c.live && c.user === target.user) this.expectClose.set(c, ErrorCode.Removed);
      this.hostAdmitted.delete(target.user);
      this.removedUsers.add(target.user);
      refused = false;
    }
    return () => {
      if (refused) {
        this.expectRefused(host, ok, 0, `${act} of slot ${slot}`);
        return this.expectViewUnchanged(before, `a refused ${act}`);
      }
      this.expectAccepted(host, 0, act);
      if (act === 'remove' && target) {
        for (const [r, h] of this.obs.view) {
          this.check(h.holder !== target.user, `removed ${target.user} still holds ${r}`);
        }
        for (const [r, h] of before) {
          if (h.holder !== target.user) continue;
          const next = this.obs.view.get(r);
          if (next) this.check(next.fence > h.fence, `${r} passed on without a new fence`);
        }
      }
    };
  }

  private edit(a: Extract<Action, { k: 'edit' | 'snapshot' }>): PostCheck | undefined {
    const c = this.actor(a.pick);
    if (!c) return undefined;
    const room = this.room;
    const version = room.documentVersion;
    const admitted = c.admitted;
    const rid = this.rid();
    if (a.k === 'snapshot') {
      if (this.mode === 'lww') {
        // The wrong mode for this room: refused, and the document is untouched.
        this.note(c, `submits an op to an lww room (rid ${rid})`);
        const ok = this.send(c, { type: 'opSubmit', rid, resource: '', op: bytes('wrong-mode') });
        return () => {
          this.check(room.documentVersion === version, 'a wrong-mode op changed the document');
          this.expectRefused(c, ok, rid, 'an op in an lww room');
        };
      }
      const seq = c.tab.seq;
      const snapshot = snapshotOf(c.tab.ops);
      this.note(c, `offers a snapshot at seq ${seq} (rid ${rid})`);
      const ok = this.send(c, { type: 'opsSnapshot', rid, seq, snapshot: bytes(snapshot) });
      const accepted = ok && admitted && seq > this.baseSeq && seq <= version;
      if (accepted) this.baseSeq = seq;
      return () => {
        if (accepted) this.expectAccepted(c, rid, 'snapshot');
        else this.expectRefused(c, ok, rid, `snapshot at ${seq} (base ${this.baseSeq}, seq ${version})`);
        this.check(room.documentVersion === version, 'a snapshot changed the sequence');
      };
    }
    const resource = EDIT_RESOURCES[a.res]!;
    const held = this.hold(resource);
    const content = `${this.mode}-t${c.tab.index}-${this.nextEdit++}`;
    this.note(c, `edits ${resource || '(no resource)'} → "${content}" (rid ${rid})`);
    let ok: boolean;
    if (this.mode === 'lww') {
      c.pending.set(rid, content);
      ok = this.send(c, { type: 'lwwSet', rid, resource, doc: bytes(content) });
    } else {
      ok = this.send(c, { type: 'opSubmit', rid, resource, op: bytes(content) });
    }
    const mayEdit = resource === '' || !held || held.holder === c.user;
    const accepted = ok && admitted && mayEdit;
    return () => {
      // Numbers strictly increase; they jump to the epoch floor on the first edit after a restart.
      this.check(
        accepted ? room.documentVersion > version : room.documentVersion === version,
        `edit accepted=${accepted} but the version went ${version} → ${room.documentVersion}`,
      );
      if (!accepted) {
        this.expectRefused(c, ok, rid, `edit of ${resource} held by ${held?.holder}`);
        if (ok && admitted) {
          this.check(
            c.errors(rid).some((e) => e.code === ErrorCode.LockedByOther),
            'not refused as locked',
          );
        }
        return;
      }
      this.expectAccepted(c, rid, 'edit');
      if (held) this.renewed(resource);
      if (this.mode === 'lww' && c !== this.obs) {
        this.check(
          this.obs.got('lwwDoc').some((m) => m.version === room.documentVersion && text(m.doc) === content),
          'the observer did not get the new document',
        );
      }
    };
  }

  // ── Delivering ──

  private drain(): void {
    // Slots first, so frames naming a new connection can be checked whatever the order.
    for (const c of this.conns) {
      if (c.slot !== 0) continue;
      const first = c.peer.socket.frames[c.read];
      if (!first) continue;
      const m = decode(first);
      this.check(m.type === 'welcome', `tab ${c.tab.index}'s first frame is ${m.type}`);
      this.check(!this.slotConn.has(m.slot), `slot ${m.slot} reused`);
      c.slot = m.slot;
      this.slotConn.set(m.slot, c);
    }
    // The observer first: its lock view and settings are the reference for everyone else.
    this.drainConn(this.tabs[0]!.conn);
    for (const c of this.conns) this.drainConn(c);
    for (const c of this.conns) {
      if (c.closedBy === undefined && c.peer.socket.closed) {
        c.closedBy = 'room';
        c.closedStep = this.step;
        this.gone(c);
      }
    }
  }

  /** A connection left: its tab goes offline; a user with no admitted tab left drops its requests. */
  private gone(c: Conn): void {
    if (c.tab.conn === c) c.tab.conn = undefined;
    if (!this.conns.some((o) => o.admitted && o.user === c.user)) {
      for (const [rid, q] of this.openRequests) if (q.user === c.user) this.openRequests.delete(rid);
    }
  }

  private drainConn(c: Conn | undefined): void {
    if (!c) return;
    const frames = c.peer.socket.frames;
    while (c.read < frames.length) {
      const index = c.read++;
      const raw = frames[index]!;
      if (c.closedBy === 'model') this.fail(`tab ${c.tab.index} got a frame after it disconnected`);
      const m = decode(raw);
      this.gate(c, raw, m, index);
      c.received.push(m);
      this.handle(c, m);
    }
  }

  /** Property 3, on raw bytes: nothing of the room reaches a connection before it is admitted. */
  private gate(c: Conn, raw: Uint8Array, m: Message, index: number): void {
    if (c.admittedAt >= 0) return;
    const t = raw[0]!;
    const name = m.type;
    if (t === tag('admission')) {
      if (m.type === 'admission' && m.state === 'admitted') {
        this.check(c.snapshotAt >= 0, `tab ${c.tab.index} admitted without a snapshot`);
        c.admittedAt = index;
        c.admittedStep = this.step;
        return;
      }
      this.check(c.snapshotAt < 0, `tab ${c.tab.index} told to wait in the middle of its snapshot`);
      return;
    }
    if (PRE_ADMISSION.has(t)) return;
    if (c.snapshotAt < 0) {
      this.check(t === tag('settings'), `tab ${c.tab.index} (${c.user}) got ${name} before admission`);
      c.snapshotAt = index;
      c.snapshotStep = this.step;
      return;
    }
    this.check(SNAPSHOT.has(t), `tab ${c.tab.index} got ${name} inside its admission snapshot`);
    this.check(c.snapshotStep === this.step, `tab ${c.tab.index} got room frames before a later admission`);
  }

  /** The client model: every frame updates what the connection believes. */
  private handle(c: Conn, m: Message): void {
    const tab = c.tab;
    const isObs = c === this.tabs[0]!.conn;
    switch (m.type) {
      case 'welcome':
        this.check(
          c.slot === m.slot && m.userId === c.user && c.received.length === 1,
          'late or foreign welcome',
        );
        this.check(m.role === (c.user === HOST ? 'host' : 'guest'), `${c.user} got role ${m.role}`);
        return;
      case 'settings':
        if (c.user !== HOST) this.check(m.trusted.length === 0, 'a guest was shown the trusted list');
        if (isObs) this.settings = m;
        return;
      case 'waitingList':
        this.check(c.user === HOST, `guest ${c.user} got the waiting list`);
        c.waiting = m.waiting.map((w) => w.slot);
        for (const w of m.waiting) {
          const who = this.slotConn.get(w.slot);
          this.check(who?.user === w.userId, `waiting list names slot ${w.slot} wrongly`);
          this.check(w.email === (EMAIL[who.user] ?? ''), 'waiting list shows the wrong email');
          // Drained first, the observer sees every other connection as of the previous step.
          if (isObs)
            this.check(
              who.live && who.admittedAt < 0,
              `waiting list shows tab ${who.tab.index}, not waiting`,
            );
        }
        return;
      case 'roster':
        c.roster = new Set(m.participants.map((p) => p.slot));
        this.check(c.roster.has(c.slot), 'roster without the receiver');
        return;
      case 'peerJoin':
        this.check(!c.roster.has(m.slot) && m.slot !== c.slot, `peerJoin of present slot ${m.slot}`);
        c.roster.add(m.slot);
        return;
      case 'peerLeave':
        this.check(c.roster.delete(m.slot), `peerLeave of absent slot ${m.slot}`);
        return;
      case 'lockList':
        c.view.clear();
        for (const l of m.locks) {
          this.checkHolderSlot(l.holderSlot, l.holderUser, true);
          c.view.set(l.resource, { holder: l.holderUser, fence: l.fence });
          c.lastFence.set(l.resource, l.fence);
        }
        return;
      case 'lockState':
        return this.lockState(c, m, isObs);
      case 'lockGranted': {
        const v = c.view.get(m.resource);
        this.check(
          v?.holder === c.user && v.fence === m.fence,
          `tab ${tab.index} granted ${m.resource}@${m.fence} but sees ${JSON.stringify(v)}`,
        );
        const g = c.grants.get(m.resource);
        if (g) this.check(g.lockId === m.lockId && g.fence === m.fence, 'a second grant replaced a live one');
        c.grants.set(m.resource, { lockId: m.lockId, fence: m.fence });
        const key = `${m.resource}@${m.fence}`;
        this.check(
          (this.grantLockId.get(key) ?? m.lockId) === m.lockId &&
            (this.lockIdGrant.get(m.lockId) ?? key) === key,
          `lock id ${m.lockId} and grant ${key} do not match one to one`,
        );
        this.grantLockId.set(key, m.lockId);
        this.lockIdGrant.set(m.lockId, key);
        const ids = tab.lockIds.get(m.resource) ?? [];
        if (!ids.includes(m.lockId)) ids.push(m.lockId);
        tab.lockIds.set(m.resource, ids);
        return;
      }
      case 'accessRequested':
        this.check(
          c.view.get(m.resource)?.holder === c.user,
          `tab ${tab.index} (${c.user}) asked for ${m.resource} it does not hold`,
        );
        this.check(m.fromUser !== c.user, 'a user was asked for its own lock');
        c.requests.set(m.requestId, { resource: m.resource, fromUser: m.fromUser });
        return;
      case 'accessPending':
        // Checked by the request that caused it.
        return;
      case 'accessResult':
        c.requests.delete(m.requestId);
        if (m.rid !== 0) {
          const q = this.openRequests.get(m.rid);
          if (q) {
            this.check(q.user === c.user && q.resource === m.resource, `result for rid ${m.rid} went astray`);
            this.openRequests.delete(m.rid);
            if (m.outcome === 'timeout') {
              this.check(
                q.at + this.room.limits.accessTimeoutMs <= this.now,
                `request ${m.rid} timed out early`,
              );
            }
          }
          const holder = c.view.get(m.resource)?.holder;
          if (m.outcome === 'granted') this.check(holder === c.user, 'granted, but the lock went elsewhere');
          if (m.outcome === 'cancelled') {
            this.check(
              holder !== undefined && holder !== c.user,
              `request cancelled though ${m.resource} is ${holder}`,
            );
          }
          if (m.outcome === 'declined') {
            this.check(this.action.k === 'answer' && !this.action.release, 'a request declined by no answer');
          }
        }
        return;
      case 'lwwDoc': {
        this.check(m.version > c.lastLww, `lwwDoc v${m.version} after v${c.lastLww}`);
        c.lastLww = m.version;
        const content = text(m.doc);
        const known = this.lwwContent.get(m.version);
        this.check(known === undefined || known === content, `two documents at v${m.version}`);
        this.lwwContent.set(m.version, content);
        if (m.slot !== 0) this.lwwAuthor.set(m.version, m.slot);
        if (m.version > tab.version) {
          tab.version = m.version;
          tab.doc = content;
        }
        return;
      }
      case 'docAck':
        if (this.mode === 'lww') {
          const content = c.pending.get(m.rid);
          this.check(content !== undefined, `ack for unknown write ${m.rid}`);
          c.pending.delete(m.rid);
          const known = this.lwwContent.get(m.version);
          this.check(
            known === undefined || known === content,
            `ack says v${m.version} is "${content}", not "${known}"`,
          );
          this.lwwContent.set(m.version, content);
          if (!isObs)
            this.check(this.lwwAuthor.get(m.version) === c.slot, `ack for v${m.version} by another author`);
          this.lwwAuthor.set(m.version, c.slot);
          if (m.version > tab.version) {
            tab.version = m.version;
            tab.doc = content;
          }
        } else {
          this.check(m.version <= tab.seq, `ack at seq ${m.version} before the op arrived (at ${tab.seq})`);
        }
        return;
      case 'error':
        c.pending.delete(m.rid);
        return;
      case 'op':
        if (isObs) {
          const h = c.view.get(m.resource);
          const author = this.slotConn.get(m.slot)?.user;
          this.check(
            m.resource === '' || !h || h.holder === author,
            `op by ${author} on ${m.resource} held by ${h?.holder}`,
          );
        }
        this.applyOp(tab, m);
        return;
      case 'opsSync':
        if (m.base.length > 0 || m.baseSeq !== tab.seq) {
          tab.ops = stateOf(m.base);
          tab.seq = m.baseSeq;
        }
        for (const o of m.ops) this.applyOp(tab, o);
        return;
      case 'chat':
        this.check(m.id > c.lastChat, `chat ${m.id} after ${c.lastChat}`);
        c.lastChat = m.id;
        return;
      case 'chatHistory':
        for (const e of m.messages) {
          this.check(e.id > c.lastChat, 'chat history out of order');
          c.lastChat = e.id;
        }
        return;
      case 'batch':
        for (const { frame } of m.frames) {
          this.check(CURSOR_FRAMES.has(frame[0]!), 'a batch carries something other than cursors');
          const inner = decode(frame);
          if ('slot' in inner) this.check(inner.slot !== c.slot, 'own cursor echoed');
          if (inner.type === 'peerCursors2d')
            this.check(
              inner.cursors.every((p) => p.slot !== c.slot),
              'own cursor echoed',
            );
        }
        return;
      case 'peerCursors2d':
        this.check(
          m.cursors.every((p) => p.slot !== c.slot),
          'own cursor echoed',
        );
        return;
      case 'peerCursor2d':
      case 'peerCursor3d':
      case 'peerSelection':
      case 'peerCursorClear':
        this.check(m.slot !== c.slot, 'own cursor echoed');
        return;
      case 'admission':
      case 'pong':
      case 'presence':
      case 'peerVisibility':
        return;
      default:
        this.fail(`unexpected ${m.type} to tab ${tab.index}`);
    }
  }

  private applyOp(tab: Tab, o: { seq: number; resource: string; op: Uint8Array }): void {
    this.check(o.seq > tab.seq, `tab ${tab.index} at seq ${tab.seq} got op ${o.seq}`);
    tab.seq = o.seq;
    tab.ops.set(o.resource, text(o.op));
  }

  /** `holderSlot` is one live connection of the holder, or 0 when it has none. */
  private checkHolderSlot(slot: number, user: string, isObs: boolean): void {
    if (user === '') return this.check(slot === 0, 'a free lock names a holder slot');
    if (slot === 0) {
      if (isObs) this.noSlotHolders.add(user);
      return;
    }
    const owner = this.slotConn.get(slot);
    this.check(owner?.user === user, `holder slot ${slot} is not ${user}'s`);
    this.check(owner.closedBy === undefined, `holder slot ${slot} of ${user} is closed`);
  }

  /** Properties 1 and 2 on one connection's stream of lock changes. */
  private lockState(c: Conn, m: MessageOf<'lockState'>, isObs: boolean): void {
    const r = m.resource;
    const prev = c.view.get(r);
    const where = `tab ${c.tab.index}: ${m.reason} ${r} → ${m.holderUser || '(free)'}@${m.fence}`;
    this.checkHolderSlot(m.holderSlot, m.holderUser, isObs);
    if (isObs) this.checkCause(m);
    switch (m.reason) {
      case 'acquired':
      case 'transferred': {
        if (m.reason === 'acquired') this.check(!prev, `${where}: already held by ${prev?.holder}`);
        else
          this.check(
            prev !== undefined && prev.holder !== m.holderUser,
            `${where}: transfer from ${prev?.holder}`,
          );
        this.check(m.holderUser !== '', `${where}: no holder`);
        const last = Math.max(c.lastFence.get(r) ?? 0, isObs ? (this.fenceFloor.get(r) ?? 0) : 0);
        this.check(m.fence > last, `${where}: fence not above ${last}`);
        c.view.set(r, { holder: m.holderUser, fence: m.fence });
        c.lastFence.set(r, m.fence);
        if (isObs) {
          this.fenceFloor.set(r, m.fence);
          // Inside a clock advance the grant happened at an instant the model does not know.
          this.expiry.set(r, this.timed ? undefined : this.now + this.room.limits.lockTtlMs);
        }
        break;
      }
      case 'released':
      case 'expired':
        this.check(
          prev !== undefined && prev.fence === m.fence,
          `${where}: but it was ${JSON.stringify(prev)}`,
        );
        c.view.delete(r);
        if (isObs) this.expiry.delete(r);
        break;
      case 'renewed':
        this.check(
          prev?.holder === m.holderUser && prev.fence === m.fence,
          `${where}: renewal of another grant`,
        );
        break;
    }
    if (m.holderUser !== c.user) c.grants.delete(r);
  }

  /**
   * Which step may change a lock how: only an acquire grants a free lock; only a release or a
   * removal frees one; only the clock expires one, and only once its known lease has run out; a
   * transfer follows a release, a removal, an answer or an expiry, and goes to the oldest open
   * request (an answer picks its own).
   */
  private checkCause(m: MessageOf<'lockState'>): void {
    const k = this.action.k;
    const where = `${m.reason} ${m.resource} → ${m.holderUser || '(free)'} during ${k}`;
    const removal = k === 'host' && this.action.act === 'remove';
    const leaseOver = (): boolean => {
      const at = this.expiry.get(m.resource);
      return this.timed && (at === undefined || at <= this.now);
    };
    switch (m.reason) {
      case 'acquired':
        return this.check(k === 'acquire', where);
      case 'released':
        return this.check(k === 'release' || removal, where);
      case 'expired':
        return this.check(leaseOver(), where);
      case 'renewed':
        return;
      case 'transferred': {
        this.check(k === 'release' || k === 'answer' || removal || leaseOver(), where);
        if (k === 'answer') return;
        const mine = [...this.openRequests].find(
          ([, q]) => q.resource === m.resource && q.user === m.holderUser,
        );
        this.check(mine !== undefined, `${where}: ${m.holderUser} did not ask for it`);
        for (const [rid, q] of this.openRequests) {
          if (q.resource !== m.resource || rid >= mine[0]) continue;
          // An older request may only have been skipped if it timed out first, in this advance.
          const timedOut = this.timed && q.at + this.room.limits.accessTimeoutMs <= this.now;
          this.check(timedOut, `${where}: ${q.user} asked first (rid ${rid})`);
        }
        return;
      }
    }
  }

  // ── Invariants after every step ──

  private checkStep(): void {
    const obs = this.obs;
    for (const c of this.conns) {
      const admittedNow = c.admittedStep === this.step;
      this.check(
        admittedNow === this.expectAdmit.has(c),
        `tab ${c.tab.index} (${c.user}) admitted=${admittedNow}, expected ${this.expectAdmit.has(c)}`,
      );
      const closedNow = c.closedBy === 'room' && c.closedStep === this.step;
      const want = this.expectClose.get(c);
      this.check(
        closedNow === (want !== undefined),
        `tab ${c.tab.index} (${c.user}) closed=${closedNow} (${c.peer.socket.closed?.code}), expected ${want}`,
      );
      if (closedNow)
        this.check(c.peer.socket.closed?.code === closeCodeOf(want!), `closed with the wrong code`);
      // Property 3: a snapshot is always completed by the admission in the same step.
      this.check(
        c.admittedAt >= 0 || c.snapshotAt < 0,
        `tab ${c.tab.index} got room frames but was not admitted`,
      );
      this.check(c.peer.socket.sentAfterClose === 0, `tab ${c.tab.index} got frames after its socket closed`);
    }

    // Over budget: dropped; a request always told, a stream at most once a second.
    for (const { conn, rid, tell } of this.drops) {
      const told = conn.errors(rid).filter((e) => e.code === ErrorCode.RateLimited).length;
      this.check(
        told === (tell ? 1 : 0),
        `tab ${conn.tab.index} was told ${told} times of a drop (expected ${tell})`,
      );
    }

    const live = this.conns.filter((c) => c.admitted);
    for (const user of this.noSlotHolders) {
      const tab = live.find((c) => c.user === user && c.admittedStep < this.step);
      this.check(!tab, `a lock of ${user} names no holder slot though tab ${tab?.tab.index} is connected`);
    }
    // Property 1: one lock table, one holder per resource, every tab of the holder has the grant.
    const table = JSON.stringify([...obs.view].sort());
    for (const c of live) {
      const mine = JSON.stringify([...c.view].sort());
      this.check(mine === table, `tab ${c.tab.index} sees locks ${mine}, the observer ${table}`);
    }
    const believers = new Map<string, Set<string>>();
    for (const c of live) {
      for (const [r, g] of c.grants) {
        const set = believers.get(r) ?? new Set();
        set.add(c.user);
        believers.set(r, set);
        const h = obs.view.get(r);
        this.check(
          h?.holder === c.user && h.fence === g.fence,
          `tab ${c.tab.index} believes it holds ${r}@${g.fence}`,
        );
      }
    }
    for (const [r, users] of believers)
      this.check(users.size <= 1, `${[...users].join(' and ')} all hold ${r}`);
    for (const [r, h] of obs.view) {
      const ids = new Set<string>();
      for (const c of live.filter((x) => x.user === h.holder)) {
        const g = c.grants.get(r);
        this.check(g !== undefined, `tab ${c.tab.index} of holder ${h.holder} has no grant for ${r}`);
        ids.add(g.lockId);
      }
      this.check(ids.size <= 1, `tabs of ${h.holder} disagree on the lock id of ${r}`);
      const at = this.expiry.get(r);
      this.check(
        at === undefined || at > this.now,
        `${r} held by ${h.holder} outlived its lease (${at} ≤ ${this.now})`,
      );
    }
    for (const [rid, q] of this.openRequests) {
      this.check(
        q.at + this.room.limits.accessTimeoutMs > this.now,
        `request ${rid} by ${q.user} for ${q.resource} outlived its timeout`,
      );
    }

    // Presence: the observer's roster is exactly the admitted connections.
    const slots = live.map((c) => c.slot).sort((a, b) => a - b);
    const roster = [...obs.roster].sort((a, b) => a - b);
    this.check(JSON.stringify(slots) === JSON.stringify(roster), `roster ${roster} but admitted ${slots}`);
    this.check(this.room.participants === live.length, 'room participant count differs from the model');

    // Property 4 (ops): every admitted tab holds the observer's state after every step.
    if (this.mode === 'ops') {
      const canon = obs.tab;
      this.check(
        canon.seq === this.room.documentVersion,
        `observer at ${canon.seq}, room ${this.room.documentVersion}`,
      );
      for (const c of live) {
        this.check(
          c.tab.seq === canon.seq && sameState(c.tab.ops, canon.ops),
          `tab ${c.tab.index} at ${c.tab.seq} ${snapshotOf(c.tab.ops)}, observer at ${canon.seq} ${snapshotOf(canon.ops)}`,
        );
      }
    }
  }

  /** Property 4 (lww): after a flush every admitted tab holds the room's document. */
  private checkLwwConverged(): void {
    if (this.mode !== 'lww') return;
    const doc = documentOf(this.room);
    this.check(doc instanceof LwwDocument, 'lww room without an LwwDocument');
    const content = text(doc.bytes);
    for (const c of this.conns.filter((x) => x.admitted)) {
      this.check(
        c.tab.version === this.room.documentVersion && c.tab.doc === content,
        `tab ${c.tab.index} holds v${c.tab.version} "${c.tab.doc}", the room v${this.room.documentVersion} "${content}"`,
      );
    }
  }
}

// ── The property ─────────────────────────────────────────────────────────────────────────────

/** The model property for one document mode, over sessions of up to `maxSteps` actions. */
export function modelProperty(mode: 'lww' | 'ops', maxSteps: number): fc.IAsyncProperty<[Action[]]> {
  return fc.asyncProperty(
    fc.array(actionArb, { minLength: 1, maxLength: maxSteps, size: 'max' }),
    async (actions) => {
      await new World(mode).run(actions);
    },
  );
}
