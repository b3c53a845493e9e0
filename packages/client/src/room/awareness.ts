import type { MessageOf } from '@tandem/protocol';
import { type AwarenessEntry, AwarenessSync } from '@tandem/yjs';
import { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { ConnectionContext } from './context.js';

/**
 * The room's Yjs awareness as this client holds it: a y-protocols `Awareness` on the room's
 * `Y.Doc`, made on first use, bound to the room while connected. What others announced before the
 * app asked for it is kept (their latest entries only) and applied when it does, so a caret does
 * not wait for its owner's next renewal to show.
 */
export class AwarenessPart {
  private made: { awareness: Awareness; sync: AwarenessSync } | undefined;
  /** Others' latest entries by Yjs client id, until the awareness is made. */
  private readonly early = new Map<number, AwarenessEntry>();
  private live = false;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly doc: () => Y.Doc,
    private readonly isYjsRoom: () => boolean,
  ) {}

  /** The awareness, made (and bound, when connected) on first use. */
  get awareness(): Awareness {
    if (this.made) return this.made.awareness;
    const awareness = new Awareness(this.doc());
    const sync = new AwarenessSync(awareness, (states) => this.ctx.sendIfLive({ type: 'awareness', states }));
    this.made = { awareness, sync };
    sync.receive([...this.early.values()]);
    this.early.clear();
    if (this.live) this.connect(this.made);
    return awareness;
  }

  receive(m: MessageOf<'peerAwareness'>): void {
    if (this.made) return this.made.sync.receive(m.states);
    for (const entry of m.states) {
      if (entry.state === 'null') this.early.delete(entry.clientId);
      else this.early.set(entry.clientId, entry);
    }
  }

  /** Admitted (first time or after a reconnect): the local state goes to the room. */
  admitted(): void {
    this.live = this.isYjsRoom();
    if (this.made && this.live) this.connect(this.made);
  }

  /** The connection dropped: others' states are gone until the room sends them again. */
  connectionLost(): void {
    this.live = false;
    this.early.clear();
    this.made?.sync.disconnected();
  }

  /** Left for good: the awareness stops its timers and sends nothing more. */
  left(): void {
    this.connectionLost();
    this.made?.sync.destroy();
    this.made?.awareness.destroy();
  }

  /**
   * The local state names this participant as the room does (its verified name and room colour in
   * `user`, where caret plugins read their label), keeping whatever else the app put in `user`.
   * Others see that anyway: the room writes it into every state it relays.
   */
  private connect({ awareness, sync }: { awareness: Awareness; sync: AwarenessSync }): void {
    const self = this.ctx.self();
    const local: unknown = awareness.getLocalState();
    if (self && local !== null && typeof local === 'object') {
      const user = (local as { user?: unknown }).user;
      const own = typeof user === 'object' && user !== null ? user : {};
      const named = own as { name?: unknown; color?: unknown };
      if (named.name !== self.name || named.color !== self.color) {
        awareness.setLocalStateField('user', { ...own, name: self.name, color: self.color });
      }
    }
    sync.connected();
  }
}
