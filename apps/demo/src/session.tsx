import {
  type PeerToPeerSession,
  type RoomConnection,
  type TandemClient,
  type TandemError,
  WebStorageRoomStore,
} from '@tandem/client';
import {
  AccessRequestToasts,
  ConnectionPill,
  PresenceAvatars,
  RoomProvider,
  useAdmission,
  useClient,
  useEvent,
  useOps,
  usePeerChannel,
  useReadOnly,
  useRoom,
  useStatus,
} from '@tandem/react';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Brand } from './brand.js';
import { type CanvasState, canvasReducer } from './canvas.js';
import { CollaborateMenu, CollaborativeSessionPanel, JoinMenu } from './collaborate.js';
import { type EditorApi, EditorContext, type Tool } from './editor-context.js';
import {
  type Identity,
  rememberedCompanions,
  rememberedSelection,
  rememberHostedPeerToPeer,
  rememberSelection,
} from './identity.js';
import { LessonPane } from './lesson.js';
import { friendly, lockLostMessage } from './messages.js';
import type { Opening } from './opening.js';
import {
  ActivityPanel,
  AdjustmentsPanel,
  ChatDock,
  HostPanel,
  LayerPanel,
  PeoplePanel,
  PropertiesPanel,
} from './panels.js';
import { PeerChannelPill } from './peer-status.js';
import { OpQueue } from './queue.js';
import { CopyButton, ShareButton } from './share.js';
import { Stage } from './stage.js';

/** The connection a session screen runs on, and how it is shown. */
interface Opened {
  room: RoomConnection;
  /** The join code, or the peer-to-peer session id. */
  label: string;
  peerToPeer: boolean;
  /** The peer-to-peer session this page hosts. */
  hosted?: PeerToPeerSession;
}

export function Session({
  opening,
  identity,
  onLeave,
}: {
  opening: Opening;
  identity: Identity;
  /** Back to the solo canvas, with why when the session ended. */
  onLeave: (why?: string) => void;
}) {
  const client = useClient();
  const [opened, setOpened] = useState<Opened | undefined>();
  const [error, setError] = useState('');
  // A guest the host disconnected joins again with a new connection: a new attempt.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    let close = () => {};
    if (opening.kind === 'p2p-host') {
      const hosting = hostingFor(client, opening);
      hosting.session
        .then((session) => {
          if (cancelled) return;
          session.room.ops.use(canvasReducer);
          setOpened({ room: session.room, label: session.sessionId, peerToPeer: true, hosted: session });
        })
        .catch((e: TandemError | Error) => {
          if (!cancelled) setError('codeName' in e ? friendly(e) : e.message);
        });
      close = () => release(opening, hosting);
    } else {
      const joined =
        opening.kind === 'code'
          ? client.join({ code: opening.code })
          : client.joinPeerToPeer(opening.sessionId);
      // The reducer must be in place before the first operation arrives (at admission), and the
      // editor that calls useOps mounts only after it: register it right after join().
      joined.ops.use(canvasReducer);
      close = () => joined.leave();
      setOpened({
        room: joined,
        label: opening.kind === 'code' ? opening.code : opening.sessionId,
        peerToPeer: opening.kind === 'p2p-guest',
      });
    }
    return () => {
      cancelled = true;
      close();
    };
  }, [client, opening, attempt]);
  if (error) {
    return (
      <Screen title="Could not start the session">
        <p className="error" role="alert">
          {error}
        </p>
        <button
          type="button"
          className="primary"
          onClick={() => {
            // Leaving for good: a reload no longer tries to host it again.
            if (opening.kind === 'p2p-host') rememberHostedPeerToPeer(undefined);
            onLeave();
          }}
        >
          Back to start
        </button>
      </Screen>
    );
  }
  if (!opened) return <Screen title="Connecting…" />;
  return (
    // Keyed by the attempt: a guest joining again starts its screens over.
    <RoomProvider key={attempt} room={opened.room}>
      <Gate
        code={opened.label}
        peerToPeer={opened.peerToPeer}
        hosted={opened.hosted}
        seed={opening.kind === 'p2p-host' ? opening.seed : undefined}
        identity={identity}
        onLeave={onLeave}
        onRejoin={() => setAttempt((n) => n + 1)}
      />
    </RoomProvider>
  );
}

/** A peer-to-peer session this page hosts, and the end that leaving it has scheduled. */
interface Hosting {
  session: Promise<PeerToPeerSession>;
  store: WebStorageRoomStore;
  ending?: ReturnType<typeof setTimeout>;
}

/**
 * Sessions hosted per opening. An effect's cleanup does not end its session at once but on the
 * next task, and the effect running again for the same opening keeps it: React's StrictMode (in
 * development) unmounts and mounts every effect once, which would otherwise end a session (or
 * resume one twice) as it starts.
 */
const hostings = new WeakMap<Opening, Hosting>();

function hostingFor(client: TandemClient, opening: Extract<Opening, { kind: 'p2p-host' }>): Hosting {
  const known = hostings.get(opening);
  if (known) {
    clearTimeout(known.ending);
    known.ending = undefined;
    return known;
  }
  // The room runs in this page: guests reach it over WebRTC; the server only introduces them.
  // It is kept in this tab's storage too, so a reload hosts the session again as it was.
  const store = new WebStorageRoomStore(sessionStorage);
  const options = { policy: opening.policy, docMode: 'ops', store } as const;
  const session = (
    opening.resume ? client.resumePeerToPeer(opening.resume, options) : client.hostPeerToPeer(options)
  ).then(
    (started) => {
      rememberHostedPeerToPeer(started.sessionId);
      return started;
    },
    (error: TandemError | Error) => {
      // Gone for good: forgotten. Anything else (offline, a server error) may pass, and the next
      // reload tries again.
      if ('codeName' in error && error.codeName === 'RoomNotFound') {
        rememberHostedPeerToPeer(undefined);
        if (opening.resume) void store.delete(opening.resume);
      }
      throw error;
    },
  );
  const hosting: Hosting = { session, store };
  hostings.set(opening, hosting);
  return hosting;
}

function release(opening: Opening, hosting: Hosting): void {
  hosting.ending = setTimeout(() => {
    hostings.delete(opening);
    hosting.session.then(
      (session) => {
        session.end();
        rememberHostedPeerToPeer(undefined);
        void hosting.store.delete(session.sessionId);
      },
      () => undefined,
    );
  }, 0);
}

/** A card alone on the page: connecting, waiting, or why not. */
export function Screen({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <main className="centered">
      <div className="card screen">
        <Brand />
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** What the screens of an opened session are told. */
interface SessionViewProps {
  /** The join code, or the peer-to-peer session id. */
  code: string;
  peerToPeer: boolean;
  /** The peer-to-peer session this page hosts. */
  hosted?: PeerToPeerSession | undefined;
  /** The canvas a hosted peer-to-peer session starts from, once its room is empty. */
  seed?: CanvasState | undefined;
  identity: Identity;
  onLeave: (why?: string) => void;
  /** Joins the same session again, with a new connection. */
  onRejoin: () => void;
}

function Gate(props: SessionViewProps) {
  const { code, peerToPeer, identity, onLeave } = props;
  const { status, error } = useStatus();
  const { isHost } = useAdmission();
  const [admitted, setAdmitted] = useState(false);
  useEffect(() => {
    if (status === 'connected') setAdmitted(true);
  }, [status]);
  // The session is gone for everyone: back to the solo canvas, saying so.
  const ended = status === 'disconnected' && error?.codeName === 'SessionEnded';
  useEffect(() => {
    if (ended) onLeave(isHost ? 'You ended the session for everyone.' : friendly(error, 'join'));
  }, [ended, isHost, error, onLeave]);

  if (status === 'disconnected' && error) {
    const unknown = error.codeName === 'RoomNotFound' && !admitted;
    return (
      <Screen title={unknown ? 'No such session' : 'You are no longer in this session'}>
        <p className="error" role="alert" data-code={error.codeName}>
          {friendly(error, 'join')}
        </p>
        <button type="button" className="primary" onClick={() => onLeave()}>
          Back to start
        </button>
      </Screen>
    );
  }
  // The host disconnected this guest: the session goes on without it.
  if (peerToPeer && !props.hosted && status === 'disconnected')
    return <Dismissed code={code} onLeave={onLeave} onRejoin={props.onRejoin} />;
  if (admitted || status === 'connected') return <Editor {...props} />;
  if (status === 'waiting') {
    return (
      <Screen title="Waiting for the host">
        <p className="waiting-note" role="status">
          You asked to join session <strong>{code}</strong> as <strong>{identity.name}</strong>. The host will
          add you shortly; the canvas opens by itself.
        </p>
        <div className="pulse" aria-hidden="true" />
        <button type="button" onClick={() => onLeave()}>
          Cancel
        </button>
      </Screen>
    );
  }
  return (
    <Screen title={`Joining ${code}…`}>
      {peerToPeer ? <PeerPill /> : <ConnectionPill />}
      {status === 'reconnecting' && error ? <p className="muted">{friendly(error, 'join')}</p> : null}
      <button type="button" onClick={() => onLeave()}>
        Cancel
      </button>
    </Screen>
  );
}

/** The host's Disconnect: its guests leave, and it stays, waiting for the next peer. */
function HostDisconnect({ session }: { session: PeerToPeerSession }) {
  const { status } = usePeerChannel();
  return (
    <button type="button" disabled={status === 'idle'} onClick={() => session.disconnect()}>
      Disconnect
    </button>
  );
}

/** The pill of this page's peer-to-peer link. */
function PeerPill({ hint }: { hint?: string }) {
  return <PeerChannelPill state={usePeerChannel()} {...(hint ? { hint } : {})} />;
}

/** A guest the host disconnected. */
function Dismissed({ code, onLeave, onRejoin }: { code: string; onLeave: () => void; onRejoin: () => void }) {
  return (
    <Screen title="Disconnected">
      <PeerPill />
      <p role="status">
        The host disconnected you from session <strong>{code}</strong>. The session goes on: join again when
        they are ready.
      </p>
      <button type="button" className="primary" onClick={onRejoin}>
        Join again
      </button>
      <button type="button" onClick={onLeave}>
        Back to start
      </button>
    </Screen>
  );
}

/** What the editor shows instead of a session's controls when it edits the solo canvas. */
export interface SoloControls {
  /** Why the last session ended, if it did. */
  notice: string | undefined;
  onOpen: (opening: Opening) => void;
  onSignOut: () => void;
}

/**
 * The canvas editor, on the room in context: a session's, or the solo canvas's (`solo`), where the
 * top bar offers Collaborate and Join instead of the session's controls.
 */
export function Editor({
  code,
  peerToPeer,
  hosted,
  seed,
  identity,
  onLeave,
  solo,
}: Omit<SessionViewProps, 'onRejoin'> & { solo?: SoloControls }) {
  const room = useRoom();
  const [state, submit] = useOps(canvasReducer);
  const { isHost, settings } = useAdmission();
  const { status } = useStatus();
  const readOnly = useReadOnly();
  const [notice, setNotice] = useState<string | undefined>(solo?.notice);
  const [selected, setSelected] = useState<string | undefined>(() => rememberedSelection(code));
  const selectedRef = useRef(selected);
  const [tool, setTool] = useState<Tool>('select');

  const notify = useCallback((message: string) => setNotice(message), []);
  const onError = useCallback((e: unknown) => setNotice(friendly(e as TandemError)), []);
  useEvent('error', onError);
  // The layer's name as it is now: the handler is the latest render's.
  useEvent('lockLost', ({ resource, reason }) => {
    const message = lockLostMessage(reason, state.layers[resource]?.name ?? 'a layer');
    if (message) setNotice(message);
  });

  const queue = useMemo(() => new OpQueue(submit, onError), [submit, onError]);
  useEffect(() => () => queue.dispose(), [queue]);

  // The host publishes the companion rooms in the canvas document so guests find them.
  const published = useRef(false);
  useEffect(() => {
    if (!isHost || state.meta.notesRoomId || published.current) return;
    const companions = rememberedCompanions(code);
    if (!companions) return;
    published.current = true;
    queue.push({ meta: companions });
  }, [isHost, state.meta.notesRoomId, code, queue]);

  // A peer-to-peer session hosted from the solo canvas: its room starts empty, and is given the
  // canvas once, as operations (a peer-to-peer room takes no initial document).
  const seeded = useRef(false);
  useEffect(() => {
    if (!seed || !isHost || seeded.current || status !== 'connected') return;
    seeded.current = true;
    if (state.order.length > 0) return;
    for (const id of seed.order) {
      const layer = seed.layers[id];
      if (layer) queue.push({ add: layer });
    }
    if (JSON.stringify(seed.props) !== JSON.stringify(state.props)) queue.push({ set: seed.props });
  }, [seed, isHost, status, state.order.length, state.props, queue]);

  const select = useCallback(
    (layer: string | undefined) => {
      const previous = selectedRef.current;
      if (previous && previous !== layer && room.lockState(previous).kind === 'mine') {
        room.deselect(previous).catch(() => undefined);
      }
      selectedRef.current = layer;
      setSelected(layer);
      rememberSelection(code, layer);
      // A viewer looks at a layer's properties without taking its lock.
      if (layer && !room.readOnly) {
        room.select(layer).catch((e: TandemError) => {
          // Held by someone else: the panel shows it read-only with "Request access".
          if (e.codeName !== 'LockedByOther') setNotice(friendly(e, 'lock'));
        });
      }
    },
    [room, code, onError],
  );

  // After a (re)connect or a reload, take the selected layer's lock back (same user: it renews).
  useEffect(() => {
    const layer = selectedRef.current;
    if (status === 'connected' && layer && !readOnly) room.select(layer).catch(() => undefined);
  }, [status, room, readOnly]);

  // Made a viewer with a brush in hand: back to looking.
  useEffect(() => {
    if (readOnly) setTool('select');
  }, [readOnly]);

  const api = useMemo<EditorApi>(
    () => ({
      state,
      edit: (op, resource, key) => queue.push(op, resource, key),
      selected,
      select,
      notify,
      readOnly,
      tool,
      setTool,
    }),
    [state, queue, selected, select, notify, readOnly, tool],
  );

  return (
    <EditorContext.Provider value={api}>
      <div className="app">
        <header className="topbar">
          <Brand />
          {solo ? (
            <span
              className="session-code"
              data-testid="solo"
              title="Kept in this browser; nobody else sees it"
            >
              Your canvas <span className="tag">on this device</span>
            </span>
          ) : peerToPeer ? (
            <span className="session-code" title="Peer-to-peer session id: share it">
              Peer-to-peer <strong data-testid="session-id">{code}</strong>
              {isHost ? <span className="tag">host</span> : null}
            </span>
          ) : (
            <span className="session-code" title="Session code">
              Session <strong data-testid="session-code">{settings?.joinCode || code}</strong>
              {isHost ? <span className="tag">host</span> : null}
            </span>
          )}
          {readOnly ? (
            <span
              className="tag viewer"
              data-testid="read-only-badge"
              title="You can watch, point and chat; the host can make you an editor"
            >
              View only
            </span>
          ) : null}
          <div className="grow" />
          {solo ? (
            <SoloTopbar identity={identity} solo={solo} />
          ) : (
            <SessionTopbar
              code={settings?.joinCode || code}
              peerToPeer={peerToPeer}
              identity={identity}
              onLeave={onLeave}
              onError={onError}
            />
          )}
        </header>
        {notice ? (
          <div className="notice" role="alert" data-testid="notice">
            <span>{notice}</span>
            <button
              type="button"
              className="link"
              onClick={() => setNotice(undefined)}
              aria-label="Dismiss message"
            >
              Dismiss
            </button>
          </div>
        ) : null}
        <aside className="sidebar left" aria-label="Layers and people">
          <LayerPanel />
          {/* Alone, there is nobody to list and nothing to tell. */}
          {solo ? null : <PeoplePanel />}
          {solo ? null : <ActivityPanel />}
        </aside>
        <main className="workspace" aria-label="Canvas and notes">
          <Stage />
          {/* The lesson lives in companion rooms on the server; a peer-to-peer session has none. */}
          {peerToPeer || solo ? null : (
            <LessonPane notesRoomId={state.meta.notesRoomId} lessonRoomId={state.meta.lessonRoomId} />
          )}
        </main>
        <aside className="sidebar right" aria-label="Properties">
          {/* First, where the link's status shows at a glance. */}
          {peerToPeer ? <PeerSessionPanel sessionId={code} hosted={hosted} onLeave={onLeave} /> : null}
          <PropertiesPanel />
          <AdjustmentsPanel />
          {solo ? (
            <CollaborativeSessionPanel canTrust={identity.email !== undefined} onOpen={solo.onOpen} />
          ) : null}
          {!solo && isHost ? (
            <HostPanel peerToPeerId={peerToPeer ? code : undefined} canTrust={identity.email !== undefined} />
          ) : null}
        </aside>
        <div className="toasts">
          <AccessRequestToasts resourceLabel={(id) => state.layers[id]?.name ?? 'a layer'} />
        </div>
        {solo ? null : <ChatDock />}
      </div>
    </EditorContext.Provider>
  );
}

/** The top bar's right end on the solo canvas: Collaborate, Join, who is signed in. */
function SoloTopbar({ identity, solo }: { identity: Identity; solo: SoloControls }) {
  return (
    <>
      <CollaborateMenu canTrust={identity.email !== undefined} onOpen={solo.onOpen} />
      <JoinMenu onOpen={solo.onOpen} />
      <span className="muted signed-in">
        Signed in as <strong>{identity.name}</strong>{' '}
        <button type="button" className="link" onClick={solo.onSignOut}>
          Sign out
        </button>
      </span>
    </>
  );
}

/** The top bar's right end in a session: who is here, the connection, Share, and the ways out. */
function SessionTopbar({
  code,
  peerToPeer,
  identity,
  onLeave,
  onError,
}: {
  code: string;
  peerToPeer: boolean;
  identity: Identity;
  onLeave: (why?: string) => void;
  onError: (e: unknown) => void;
}) {
  const room = useRoom();
  const { isHost } = useAdmission();
  return (
    <>
      <PresenceAvatars max={8} />
      {/* A peer-to-peer session's status and Disconnect are in its Collaborative Session panel. */}
      {peerToPeer ? null : <ConnectionPill />}
      <ShareButton code={code} peerToPeer={peerToPeer} />
      <span className="muted">{identity.name}</span>
      {isHost && !peerToPeer ? <EndSessionButton onError={onError} /> : null}
      {peerToPeer ? null : (
        <button
          type="button"
          onClick={() => {
            room.leave();
            onLeave();
          }}
        >
          Leave
        </button>
      )}
    </>
  );
}

/**
 * A peer-to-peer session's Collaborative Session panel, for host and guest alike: the status pill
 * (idle → connecting → connected), the session id to share, and Disconnect; the host also ends it.
 */
function PeerSessionPanel({
  sessionId,
  hosted,
  onLeave,
}: {
  sessionId: string;
  hosted: PeerToPeerSession | undefined;
  onLeave: (why?: string) => void;
}) {
  const room = useRoom();
  const title = useId();
  const leave = () => {
    room.leave();
    onLeave();
  };
  return (
    <section className="panel peer-session" aria-labelledby={title}>
      <h2 id={title}>Collaborative Session</h2>
      <PeerPill {...(hosted ? { hint: 'Waiting for a peer to join' } : {})} />
      <span className="muted small">Session ID</span>
      <p className="share-row">
        <strong className="share-code" data-testid="p2p-session-id">
          {sessionId}
        </strong>
        <CopyButton text={sessionId} label="Copy" />
      </p>
      <div className="row wrap">
        {hosted ? (
          <HostDisconnect session={hosted} />
        ) : (
          <button type="button" onClick={leave}>
            Disconnect
          </button>
        )}
        {hosted ? (
          <button type="button" className="danger" title="Ends the session for everyone" onClick={leave}>
            End session
          </button>
        ) : null}
      </div>
    </section>
  );
}

/** The host's "End session": everyone leaves, and the session, its code and its rooms are gone. */
function EndSessionButton({ onError }: { onError: (e: unknown) => void }) {
  const { endSession } = useAdmission();
  return (
    <button
      type="button"
      className="danger"
      onClick={() => {
        if (!window.confirm('End the session for everyone? Everyone leaves, and its code stops working.'))
          return;
        endSession().catch(onError);
      }}
    >
      End session
    </button>
  );
}
