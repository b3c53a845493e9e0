import type { MessageOf } from '@tandem/protocol';
import { CursorSender } from '../state/cursor-sender.js';
import type { Cursor } from '../types.js';
import type { ConnectionContext } from './context.js';

type CursorMessage = MessageOf<
  'peerCursor2d' | 'peerCursors2d' | 'peerCursor3d' | 'peerSelection' | 'peerCursorClear'
>;

/**
 * Cursors: this client's, sent at the cursor rate, stopped while the page is hidden and paused
 * while its window has lost focus, and the others' last known ones. The local cursor and visibility outlive a reconnect; others' cursors go
 * with the connection they came on.
 */
export class Cursors {
  private readonly sender: CursorSender;
  private readonly peers = new Map<number, Cursor>();
  private hidden = false;
  /** The window lost focus: the cursor is cleared for others until it moves with focus back. */
  private blurred = false;

  constructor(
    private readonly ctx: ConnectionContext,
    rate: number,
  ) {
    this.sender = new CursorSender(rate, (m) => ctx.sendIfLive(m));
  }

  receive(m: CursorMessage): void {
    switch (m.type) {
      case 'peerCursor2d':
        return this.moved(m.slot, { kind: '2d', x: m.x, y: m.y });
      case 'peerCursors2d':
        for (const c of m.cursors) this.moved(c.slot, { kind: '2d', x: c.x, y: c.y });
        return;
      case 'peerCursor3d':
        return this.moved(m.slot, { kind: '3d', x: m.x, y: m.y, z: m.z });
      case 'peerSelection':
        return this.moved(m.slot, { kind: 'selection', element: m.element, anchor: m.anchor, head: m.head });
      case 'peerCursorClear':
        return this.drop(m.slot);
    }
  }

  get peerCursors(): ReadonlyMap<number, Cursor> {
    return this.peers;
  }

  update(cursor: Cursor): void {
    if (this.hidden || this.blurred) {
      this.sender.clear();
      return;
    }
    this.sender.update(cursor);
  }

  clear(): void {
    this.sender.clear();
    this.ctx.sendIfLive({ type: 'cursorClear' });
  }

  setHidden(hidden: boolean): void {
    if (hidden === this.hidden) return;
    this.hidden = hidden;
    if (hidden) this.sender.clear();
    this.ctx.sendIfLive({ type: 'visibility', hidden });
  }

  /**
   * The window lost focus (alt-tab): the cursor is cleared for others and nothing is sent until
   * focus is back and the cursor moves again (where it was is stale by then). Presence stays, and
   * the page is not marked hidden: it is still in view.
   */
  setFocused(focused: boolean): void {
    if (focused !== this.blurred) return;
    this.blurred = !focused;
    if (this.blurred && this.sender.current) this.clear();
  }

  drop(slot: number): void {
    if (this.peers.delete(slot)) this.ctx.emit('cursor', slot, undefined);
  }

  /** Admitted again: a hidden page says so, and the local cursor is shown where it was. */
  restore(): void {
    if (this.hidden) this.ctx.sendIfLive({ type: 'visibility', hidden: true });
    const cursor = this.sender.current;
    if (cursor && !this.hidden && !this.blurred) this.sender.update(cursor);
  }

  /** No sending until admitted again. */
  stop(): void {
    this.sender.cancel();
  }

  /** The connection dropped: others' cursors went with it. */
  connectionLost(): void {
    this.sender.cancel();
    for (const slot of [...this.peers.keys()]) this.drop(slot);
  }

  private moved(slot: number, cursor: Cursor): void {
    this.peers.set(slot, cursor);
    this.ctx.emit('cursor', slot, cursor);
  }
}
