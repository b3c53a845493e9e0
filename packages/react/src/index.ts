/**
 * React bindings for Tandem: a provider pair, one hook per slice of room state (each re-renders
 * only when its own slice changes), and small unstyled, accessible components with `tandem-*`
 * class names.
 *
 * @example
 * import { createClient } from '@tandem/client';
 * import { ConnectionPill, LiveCursors, PresenceAvatars, RoomProvider, TandemProvider } from '@tandem/react';
 *
 * const client = createClient({ url: 'https://tandem.example.com', auth: { guest: 'Ada' } });
 *
 * export function App({ roomId }: { roomId: string }) {
 *   return (
 *     <TandemProvider client={client}>
 *       <RoomProvider target={{ roomId }}>
 *         <ConnectionPill />
 *         <PresenceAvatars />
 *         <div style={{ position: 'relative' }}>
 *           <Board />
 *           <LiveCursors />
 *         </div>
 *       </RoomProvider>
 *     </TandemProvider>
 *   );
 * }
 *
 * @packageDocumentation
 */
export { AccessRequestToasts, type AccessRequestToastsProps } from './components/AccessRequestToasts.js';
export { CONNECTION_LABELS, ConnectionPill, type ConnectionPillProps } from './components/ConnectionPill.js';
export { LiveCursors, type LiveCursorsProps } from './components/LiveCursors.js';
export { PresenceAvatars, type PresenceAvatarsProps } from './components/PresenceAvatars.js';
export {
  ACCESS_OUTCOME_TEXT,
  RequestAccessDialog,
  type RequestAccessDialogProps,
} from './components/RequestAccessDialog.js';
export { TextSelections, type TextSelectionsProps } from './components/TextSelections.js';
export { WaitingRoomList, type WaitingRoomListProps } from './components/WaitingRoomList.js';
export {
  type ExistingRoomProviderProps,
  type JoinRoomProviderProps,
  RoomProvider,
  type RoomProviderProps,
  TandemProvider,
  type TandemProviderProps,
  useClient,
  useRoom,
} from './context.js';
export { type AdmissionHandle, useAdmission } from './hooks/admission.js';
export { type ChatHandle, useChat } from './hooks/chat.js';
export {
  type PresenceHandle,
  type StatusView,
  useActivity,
  useEvent,
  useOthers,
  usePresence,
  useReadOnly,
  useSelf,
  useStatus,
} from './hooks/connection.js';
export { type OthersCursorsOptions, useOthersCursors } from './hooks/cursors.js';
export { type LwwSetter, type OpsSubmit, useAwareness, useLww, useOps, useYDoc } from './hooks/documents.js';
export { useHost } from './hooks/host.js';
export {
  type LockHandle,
  useAccessRequests,
  useLock,
  useOwnAccessRequest,
  useSecondsLeft,
} from './hooks/locks.js';
export { usePeerChannel } from './hooks/peer-channel.js';
export { type PeerTextSelection, useOthersTextSelections, useTextSelection } from './hooks/text-selection.js';
