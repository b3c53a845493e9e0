// What documentation examples use without declaring it: the room or client the surrounding text
// is about, the app's own functions an example calls, and the shapes of an example app's data.
import type { OpsReducer, RoomConnection, TandemClient } from '@tandem/client';
import type { ServerStore } from '@tandem/server';
import type { ReactElement } from 'react';
import type { WebSocket } from 'ws';

declare global {
  /** The connection the example works on. */
  const room: RoomConnection;
  /** The client the example's page made. */
  const client: TandemClient;
  /** A participant's slot the example acts on. */
  const slot: number;
  /** A transport connection, on a server embedding the room engine. */
  const ws: WebSocket;
  /** A verified token's claims. */
  const claims: { sub: string; name: string; email?: string };
  /** The app's own pieces examples call into. */
  const canvas: HTMLCanvasElement;
  const viewport: { onmove: (p: { x: number; y: number; z: number }) => void };
  const editor: { onselect: (s: { blockId: string; from: number; to: number }) => void };
  const blocks: unknown[];
  function render(...args: unknown[]): void;
  function rerender(): void;
  function showCollaborator(name: string, color: string): void;
  function getAppToken(): Promise<string>;
  /** An example backend's own pieces. */
  const app: import('express').Express;
  function currentUser(
    req: unknown,
  ): Promise<{ id: string; name: string; email: string; courseId: string; isTeacher: boolean }>;
  function isTeacher(userId: string, room: string): Promise<boolean>;
  const searchIndex: { put(id: string, text: string): Promise<void> };
  const tandem: import('@tandem/server').TandemServer;
  function setEditable(editable: boolean): void;
  function toast(message: string): void;
  function showToast(message: string, actions: { release: () => void; decline: () => void }): void;
  function hideToast(id: number): void;
  function notify(message: unknown): void;
  function log(...args: unknown[]): void;
  function share(id: string): void;
  function appendToPanel(entry: unknown): void;
  function renderAvatars(others: unknown): void;
  function renderWaitingList(waiting: unknown): void;
  function drawCursor(who: unknown, at: unknown): void;
  /** The document an example app has open. */
  const openLesson: import('yjs').Doc;
  /** An app's own store. */
  const MyStore: { open(): Promise<ServerStore> };
  /** An example app's reducer of its canvas's ops. */
  const canvasReducer: OpsReducer<Record<string, Layer>, { layer: string; set: Partial<Layer> }>;
  /** An example app's component. */
  function Canvas(): ReactElement;
  /** An example app's data. */
  interface Layer {
    name: string;
    filter?: string;
    intensity?: number;
  }
  interface Lesson {
    title: string;
    blocks: unknown[];
  }
}
