import type { AccessLevel, AdmissionPolicy, DocMode, MessageOf } from '@tandem/protocol';
import type { RoomSettingsView, WaitingGuest } from '../types.js';
import type { ConnectionContext } from './context.js';

/** The room's settings and, for the host, the waiting list and the host's actions. */
export class Admission {
  private view: RoomSettingsView | undefined;
  private waiting: WaitingGuest[] = [];

  constructor(private readonly ctx: ConnectionContext) {}

  receive(m: MessageOf<'settings' | 'waitingList'>): void {
    if (m.type === 'settings') {
      this.view = {
        policy: m.policy,
        docMode: m.docMode,
        joinCode: m.joinCode,
        hostUserId: m.hostUserId,
        trusted: m.trusted,
      };
      this.ctx.emit('settings', this.view);
      return;
    }
    this.waiting = m.waiting;
    if (m.waiting.length > 0)
      this.ctx.note('admission', `${m.waiting.map((w) => w.name).join(', ')} waiting to join`);
    this.ctx.emit('admission');
  }

  get settings(): RoomSettingsView | undefined {
    return this.view;
  }

  /** The room's document mode, once its settings came. */
  get docMode(): DocMode | undefined {
    return this.view?.docMode;
  }

  get isHost(): boolean {
    return this.ctx.self()?.role === 'host';
  }

  get waitingList(): readonly WaitingGuest[] {
    return this.waiting;
  }

  hostAction(action: 'admit' | 'decline' | 'remove', slot: number): void {
    this.ctx.sendIfLive({ type: 'admit', action, slot });
  }

  setAccess(slot: number, access: AccessLevel): void {
    this.ctx.sendIfLive({ type: 'setAccess', slot, access });
  }

  setPolicy(policy: AdmissionPolicy): void {
    this.ctx.sendIfLive({ type: 'setPolicy', policy });
  }

  setTrusted(emails: readonly string[]): void {
    this.ctx.sendIfLive({ type: 'setTrusted', emails: [...emails] });
  }

  endSession(): void {
    this.ctx.sendIfLive({ type: 'endSession' });
  }
}
