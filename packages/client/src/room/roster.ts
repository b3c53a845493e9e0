import type { MessageOf } from '@tandem/protocol';
import { decodeJson, encodeJson } from '../documents/json.js';
import type { Participant } from '../types.js';
import type { ConnectionContext } from './context.js';

/** Who wrote a chat message: a participant, or one who has left (named by the room's transcript). */
export type Author = { slot: number; userId: string; name: string; color: string };

type RosterMessage = MessageOf<
  'roster' | 'peerJoin' | 'peerLeave' | 'presence' | 'peerVisibility' | 'peerAccess'
>;
type RosterEntry = MessageOf<'peerJoin'> | MessageOf<'roster'>['participants'][number];

/** What the other parts may ask about the people in the room. */
export interface People {
  participant(slot: number): Participant | undefined;
  /** The participant of `userId`, preferably at `slot` (one user may have several tabs). */
  byUser(userId: string, slot: number): Participant | undefined;
  /** Who holds or held `slot`: present, or departed with messages in the transcript. */
  author(slot: number): Author | undefined;
  /** A name for `slot` to show in the activity log. */
  nameOf(slot: number): string;
}

/**
 * The participants admitted to the room, with their presence and visibility, and this client's
 * own presence, which outlives a reconnect: it is sent again on every admission.
 */
export class Roster implements People {
  private readonly participants = new Map<number, Participant>();
  /** Departed participants, so their chat messages still have a name. */
  private readonly authors = new Map<number, Author>();
  private ownPresence: unknown;
  /** The last to join: a `peerAccess` for it says how it came in rather than a change. */
  private lastJoined: number | undefined;

  constructor(
    private readonly ctx: ConnectionContext,
    /** `slot` left, or hid its page: its cursor goes. */
    private readonly cursorGone: (slot: number) => void,
  ) {}

  receive(m: RosterMessage): void {
    switch (m.type) {
      case 'roster':
        this.participants.clear();
        for (const p of m.participants) this.participants.set(p.slot, this.participantOf(p));
        this.ctx.emit('others', this.others);
        this.ctx.emit('self', this.self);
        return;
      case 'peerJoin': {
        const p = this.participantOf(m);
        this.participants.set(p.slot, p);
        this.lastJoined = p.slot;
        this.ctx.note('peer', `${p.name} joined`);
        this.ctx.emit('join', p);
        this.ctx.emit('others', this.others);
        return;
      }
      case 'peerLeave': {
        const p = this.participants.get(m.slot);
        this.participants.delete(m.slot);
        this.cursorGone(m.slot);
        if (p) {
          this.authors.set(p.slot, { slot: p.slot, userId: p.userId, name: p.name, color: p.color });
          this.ctx.note('peer', `${p.name} left`);
          this.ctx.emit('leave', p);
        }
        this.ctx.emit('others', this.others);
        return;
      }
      case 'presence':
        this.update(m.slot, { presence: decodeJson(m.presence) });
        return;
      case 'peerVisibility':
        this.update(m.slot, { hidden: m.hidden });
        if (m.hidden) this.cursorGone(m.slot);
        return;
      case 'peerAccess': {
        const p = this.participants.get(m.slot);
        if (!p || p.access === m.access) return;
        // In the admission snapshot it is how the room is, not news.
        if (this.ctx.isLive()) {
          const as = m.access === 'read' ? 'a viewer' : 'an editor';
          const now = m.slot === this.lastJoined ? '' : 'now ';
          this.lastJoined = undefined;
          this.ctx.note('peer', p.isSelf ? `you are ${now}${as}` : `${p.name} is ${now}${as}`);
        }
        this.update(m.slot, { access: m.access });
        return;
      }
    }
  }

  /** Authors the transcript names that are no longer in the roster. */
  rememberAuthors(authors: readonly Author[]): void {
    for (const a of authors) this.authors.set(a.slot, a);
  }

  get self(): Participant | undefined {
    const slot = this.ctx.self()?.slot;
    return slot === undefined ? undefined : this.participants.get(slot);
  }

  get others(): readonly Participant[] {
    return [...this.participants.values()].filter((p) => !p.isSelf);
  }

  participant(slot: number): Participant | undefined {
    return this.participants.get(slot);
  }

  byUser(userId: string, slot: number): Participant | undefined {
    const bySlot = this.participants.get(slot);
    if (bySlot?.userId === userId) return bySlot;
    return [...this.participants.values()].find((p) => p.userId === userId);
  }

  author(slot: number): Author | undefined {
    const p = this.participants.get(slot);
    return p ? { slot, userId: p.userId, name: p.name, color: p.color } : this.authors.get(slot);
  }

  nameOf(slot: number): string {
    return this.participants.get(slot)?.name ?? this.authors.get(slot)?.name ?? 'someone';
  }

  get presence(): unknown {
    return this.ownPresence;
  }

  setPresence(presence: unknown): void {
    this.ownPresence = presence;
    this.ctx.sendIfLive({ type: 'presenceSet', presence: encodeJson(presence) });
    const self = this.self;
    if (self) this.update(self.slot, { presence });
  }

  updatePresence(patch: Record<string, unknown>): void {
    const base = typeof this.ownPresence === 'object' && this.ownPresence !== null ? this.ownPresence : {};
    this.setPresence({ ...base, ...patch });
  }

  /** Admitted again: the presence this client had goes back to the room. */
  restore(): void {
    if (this.ownPresence !== undefined) this.setPresence(this.ownPresence);
  }

  private update(slot: number, patch: Partial<Participant>): void {
    const p = this.participants.get(slot);
    if (!p) return;
    this.participants.set(slot, { ...p, ...patch });
    if (p.isSelf) this.ctx.emit('self', this.self);
    else this.ctx.emit('others', this.others);
  }

  private participantOf(p: RosterEntry): Participant {
    return {
      slot: p.slot,
      userId: p.userId,
      name: p.name,
      color: p.color,
      role: p.role,
      // A viewer is told by a `peerAccess` right after; everyone else edits.
      access: 'write',
      hidden: p.hidden,
      presence: decodeJson(p.presence),
      isSelf: p.slot === this.ctx.self()?.slot,
    };
  }
}
