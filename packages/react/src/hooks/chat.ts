'use client';

import type { ChatMessage } from '@tandem/client';
import { useCallback, useMemo } from 'react';
import { useRoom } from '../context.js';
import { onEvents, sameItems, useRoomSlice } from '../store.js';

/** What {@link useChat} returns. */
export interface ChatHandle {
  /** The transcript, oldest first (the room keeps the last 200). */
  messages: readonly ChatMessage[];
  /** Messages from others since the last {@link ChatHandle.markRead}. */
  unread: number;
  /** Sends a message; resolves with it once the room has relayed it. */
  send(text: string): Promise<ChatMessage>;
  /** Marks everything read (`unread` becomes 0). */
  markRead(): void;
}

interface ChatSlice {
  messages: readonly ChatMessage[];
  unread: number;
}

const chatSource = onEvents('chat', 'chatHistory', 'unread');

/**
 * The room's chat: transcript, unread count, send and mark-read. Re-renders only when a message
 * arrives or the unread count changes; cursors, presence and locks never re-render it.
 *
 * @example
 * const { messages, unread, send, markRead } = useChat();
 * <ul aria-live="polite">{messages.map((m) => <li key={m.id}>{m.author?.name}: {m.text}</li>)}</ul>
 * <form onSubmit={(e) => { e.preventDefault(); void send(draft); }}>…</form>
 */
export function useChat(): ChatHandle {
  const room = useRoom();
  const slice = useRoomSlice<ChatSlice>(
    chatSource,
    (r) => ({ messages: [...r.chat], unread: r.unread }),
    (a, b) => a.unread === b.unread && sameItems(a.messages, b.messages),
  );
  const send = useCallback((text: string) => room.sendChat(text), [room]);
  const markRead = useCallback(() => room.markChatRead(), [room]);
  return useMemo(() => ({ ...slice, send, markRead }), [slice, send, markRead]);
}
