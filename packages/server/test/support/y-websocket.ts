import { WebSocket } from 'ws';
import type { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/**
 * The unmodified official y-websocket provider for `room` (`rooms/<id>`, `docs/<name>`) on a
 * server at `wsUrl`, over `ws`, without its same-process BroadcastChannel shortcut (which would
 * sync two providers of one process without the server).
 */
export function yProvider(wsUrl: string, room: string, token: string, doc = new Y.Doc()): WebsocketProvider {
  return new WebsocketProvider(`${wsUrl}/yjs`, room, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
}

/** Resolves once the provider has applied the server's answer to its state vector. */
export function ySynced(p: WebsocketProvider): Promise<void> {
  return new Promise((resolve) => {
    if (p.synced) return resolve();
    const on = (state: boolean): void => {
      if (!state) return;
      p.off('sync', on);
      resolve();
    };
    p.on('sync', on);
  });
}

/** The close the provider takes as final (it stops reconnecting and emits `closed`). */
export function yFinalClose(p: WebsocketProvider): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => p.once('closed', (event) => resolve(event)));
}

/** Resolves with `doc`'s text `notes` once it satisfies `ok`. */
export function notesWhen(doc: Y.Doc, ok: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      const text = doc.getText('notes').toString();
      if (!ok(text)) return;
      doc.off('update', check);
      resolve(text);
    };
    doc.on('update', check);
    check();
  });
}

/** Resolves once `ok()` holds: checked at once, then on every change `awareness` reports. */
export function awarenessUntil(awareness: Awareness, ok: () => boolean): Promise<void> {
  if (ok()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (): void => {
      if (!ok()) return;
      awareness.off('change', check);
      resolve();
    };
    awareness.on('change', check);
  });
}
