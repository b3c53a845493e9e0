import type { AccessLevel, ClientMessage } from '@tandem/protocol';
import type { Identity } from '../identity.js';

/**
 * What a read-only participant may not send, and why it is told so. A viewer still sends presence,
 * cursors, visibility and chat: others see who is looking and where, as in a document editor's
 * view mode. It may release a lock or answer an access request, which only free what it holds.
 */
export function viewerRefusal(m: ClientMessage): string | undefined {
  switch (m.type) {
    case 'lwwSet':
    case 'opSubmit':
    case 'opsSnapshot':
      return READ_ONLY_EDIT;
    case 'yjs':
      // A state vector only asks what the room has; a diff or update would change the document.
      return m.step === 'state-vector' ? undefined : READ_ONLY_EDIT;
    case 'lockAcquire':
    case 'lockRenew':
    case 'lockKeep':
      return 'you are a viewer in this room: you cannot take locks';
    case 'accessRequest':
      return 'you are a viewer in this room: you cannot request access to a lock';
    default:
      return undefined;
  }
}

const READ_ONLY_EDIT = 'you are a viewer in this room: you cannot edit its document';

/**
 * A connection's access: `read` when the app grants its identity only that, or when the host made
 * its user a viewer; `write` otherwise.
 */
export function accessOf(identity: Identity, viewers: ReadonlySet<string>): AccessLevel {
  return identity.access === 'read' || viewers.has(identity.userId) ? 'read' : 'write';
}
