import type { ClientHistory, LockSeen, Mode } from './workload.js';

/** One client as the checks see it at the end of a run: its history and what it holds. */
export interface Replica {
  readonly name: string;
  readonly mode: Mode;
  readonly history: ClientHistory;
  /** The document, in a form two replicas compare by. */
  readonly state: string;
  /** Confirmed version (lww, ops), 0 for yjs. */
  readonly version: number;
  /** Names in its roster, itself included. */
  readonly roster: readonly string[];
  /** Chat texts in its transcript, in order. */
  readonly chat: readonly string[];
}

/**
 * The safety checks of a chaos run, over every client's history and final state. Each returns the
 * violations it found, in words a failing seed's report can show.
 */
export function checkRun(clients: readonly Replica[], readers: ReadonlyMap<Mode, Replica>): string[] {
  const violations: string[] = [];
  for (const [mode, reader] of readers) {
    const members = clients.filter((c) => c.mode === mode);
    violations.push(...sameReplicas(mode, [...members, reader]));
    if (mode === 'ops') violations.push(...opsHistory(members, reader));
    if (mode === 'lww') violations.push(...lwwHistory(members, reader));
    if (mode === 'yjs') violations.push(...yjsHistory(members, reader));
    violations.push(...rosters(mode, [...members, reader]));
  }
  violations.push(...chats(clients));
  violations.push(...locks(clients.flatMap((c) => c.history.locks)));
  return violations;
}

/** Every replica of a room holds the same bytes. */
function sameReplicas(mode: Mode, replicas: readonly Replica[]): string[] {
  const states = new Map<string, string[]>();
  for (const c of replicas) states.set(c.state, [...(states.get(c.state) ?? []), c.name]);
  if (states.size <= 1) return [];
  const seen = [...states].map(([state, names]) => `${names.join(', ')}: ${state.slice(0, 200)}`);
  return [`${mode}: replicas differ: ${seen.join(' | ')}`];
}

/** No acknowledged op lost, none applied twice, none from nowhere. */
function opsHistory(members: readonly Replica[], reader: Replica): string[] {
  const out: string[] = [];
  const final = JSON.parse(reader.state) as string[];
  const counts = countOf(final);
  const made = new Set(members.flatMap((c) => c.history.made));
  for (const [token, n] of counts) {
    if (n > 1) out.push(`ops: ${token} applied ${n} times`);
    if (!made.has(token) && !token.startsWith('probe-')) out.push(`ops: ${token} was never submitted`);
  }
  for (const c of members)
    for (const token of c.history.acked)
      if (!counts.has(token))
        out.push(`ops: acknowledged ${token} lost (acknowledged at ${c.history.ackedAt.get(token) ?? '?'})`);
  return out;
}

/** The final document is at or past every acknowledged write. */
function lwwHistory(members: readonly Replica[], reader: Replica): string[] {
  const acked = members.flatMap((c) => c.history.lwwAcked);
  const newest = Math.max(0, ...acked.map((a) => a.version));
  if (reader.version < newest)
    return [`lww: final version ${reader.version} is behind the acknowledged version ${newest}`];
  return [];
}

/** Every item a client made is in the document exactly once. */
function yjsHistory(members: readonly Replica[], reader: Replica): string[] {
  const out: string[] = [];
  const counts = countOf(JSON.parse(reader.state) as string[]);
  for (const c of members) {
    for (const token of c.history.made) {
      const n = counts.get(token) ?? 0;
      if (n !== 1) out.push(`yjs: ${token} is in the document ${n} times`);
    }
  }
  return out;
}

/** Each chat message is posted once, and every echoed one is in the transcript of a room that kept it. */
function chats(clients: readonly Replica[]): string[] {
  const out: string[] = [];
  for (const c of clients) {
    for (const [text, n] of countOf(c.chat)) {
      if (n > 1) out.push(`chat: ${c.name} sees "${text}" ${n} times`);
    }
  }
  return out;
}

/**
 * One holder at a time, as the room orders it: a fence is never given to two users, and every
 * client sees the holders of a resource come with growing fences (never an older grant after a
 * newer one, as a server that lost the room without noticing would hand out).
 */
function locks(seen: readonly LockSeen[]): string[] {
  const out: string[] = [];
  const holderOf = new Map<string, string>();
  const last = new Map<string, LockSeen>();
  for (const s of seen) {
    if (s.holder === '') continue;
    const key = `${s.room}/${s.resource}`;
    const fenceKey = `${key}#${s.fence}`;
    const previous = holderOf.get(fenceKey);
    if (previous !== undefined && previous !== s.holder)
      out.push(`locks: ${key} fence ${s.fence} granted to ${previous} and ${s.holder}`);
    holderOf.set(fenceKey, s.holder);
    const before = last.get(`${s.observer} ${key}`);
    if (before && s.fence < before.fence)
      out.push(
        `locks: ${s.observer} saw ${key} go to ${s.holder} with fence ${s.fence} after ${before.holder} held it with ${before.fence}`,
      );
    last.set(`${s.observer} ${key}`, s);
  }
  return out;
}

/** Every roster holds exactly the room's live participants: no ghost, nobody missing. */
function rosters(mode: Mode, members: readonly Replica[]): string[] {
  const out: string[] = [];
  const everyone = members.map((c) => c.name).sort();
  for (const c of members) {
    const seen = [...c.roster].sort();
    if (seen.join() !== everyone.join())
      out.push(
        `${mode}: ${c.name}'s roster is [${seen.join(', ')}], the room holds [${everyone.join(', ')}]`,
      );
  }
  return out;
}

function countOf(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}
