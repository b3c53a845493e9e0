import { useClient } from '@tandem/react';
import { useId, useState } from 'react';
import type { CanvasState } from './canvas-model.js';
import { useEditor } from './editor-context.js';
import { rememberCompanions } from './identity.js';
import { readJoinInput } from './join-code.js';
import { Menu } from './menu.js';
import type { AdmissionPolicy, Opening } from './opening.js';
import { PeerChannelPill } from './peer-status.js';
import { PolicySelect } from './policy-select.js';

// The solo editor's ways into a session: Collaborate (a server session from this canvas), Join
// (someone else's session by code or link), and the Collaborative Session panel (peer to peer).

/** What a session starts from: the canvas as it is, without what belonged to the solo document. */
export function canvasSeed(state: CanvasState): CanvasState {
  return { ...state, meta: {} };
}

/**
 * Collaborate: starts a server session whose canvas is what is on the solo canvas now, with its
 * lesson notes and card as companion rooms, and opens it.
 */
export function CollaborateMenu({
  canTrust,
  onOpen,
}: {
  canTrust: boolean;
  onOpen: (opening: Opening) => void;
}) {
  return (
    <Menu label="Collaborate" primary>
      <CollaborateForm canTrust={canTrust} onOpen={onOpen} />
    </Menu>
  );
}

function CollaborateForm({ canTrust, onOpen }: { canTrust: boolean; onOpen: (opening: Opening) => void }) {
  const client = useClient();
  const { state } = useEditor();
  const [policy, setPolicy] = useState<AdmissionPolicy>('host-approval');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setError('');
    setBusy(true);
    try {
      // The canvas session (sequenced operations) starts from this canvas; two companion rooms
      // whose admission follows it: the notes (a Yjs CRDT) and the lesson card (last write wins).
      const canvas = await client.host({
        policy,
        docMode: 'ops',
        initialDocument: { json: canvasSeed(state) },
      });
      const [notes, lesson] = await Promise.all([
        client.host({ companionOf: canvas.roomId, docMode: 'yjs' }),
        client.host({ companionOf: canvas.roomId, docMode: 'lww' }),
      ]);
      rememberCompanions(canvas.joinCode, { notesRoomId: notes.roomId, lessonRoomId: lesson.roomId });
      onOpen({ kind: 'code', code: canvas.joinCode });
    } catch (e) {
      setError((e as Error).message.replace(/^could not start a session: /, 'Could not start a session: '));
      setBusy(false);
    }
  };

  return (
    <>
      <h2>Collaborate on this canvas</h2>
      <p className="muted small">
        A session starts with what is on your canvas now. Share its code or link; people join as the policy
        says.
      </p>
      <PolicySelect value={policy} onChange={setPolicy} canTrust={canTrust} />
      <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
        {busy ? 'Starting…' : 'Start a session'}
      </button>
      {error ? (
        <p className="error small" role="alert">
          {error}
        </p>
      ) : null}
    </>
  );
}

/** Join: someone else's session, by its code or its whole invite link. */
export function JoinMenu({ onOpen }: { onOpen: (opening: Opening) => void }) {
  return (
    <Menu label="Join a session">
      <JoinForm onOpen={onOpen} />
    </Menu>
  );
}

function JoinForm({ onOpen }: { onOpen: (opening: Opening) => void }) {
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState('');
  return (
    <form
      noValidate
      aria-label="Join with a code"
      onSubmit={(e) => {
        e.preventDefault();
        const read = readJoinInput(code);
        if ('problem' in read) setProblem(read.problem);
        else onOpen(read.opening);
      }}
    >
      <div className="row">
        <label className="field grow">
          <span>Session code</span>
          <input
            value={code}
            required
            placeholder="K7QX2M or the invite link"
            autoCapitalize="characters"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem !== ''}
            aria-describedby={problem ? 'join-code-problem' : undefined}
            onChange={(e) => {
              setCode(e.target.value);
              setProblem('');
            }}
          />
        </label>
        <button type="submit" className="primary">
          Join
        </button>
      </div>
      {problem ? (
        <p id="join-code-problem" className="error small" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

/**
 * The solo editor's Collaborative Session panel: a peer-to-peer session hosted in this page from
 * the canvas as it is, or joined with another browser's session id.
 */
export function CollaborativeSessionPanel({
  canTrust,
  onOpen,
}: {
  canTrust: boolean;
  onOpen: (opening: Opening) => void;
}) {
  const { state } = useEditor();
  const [policy, setPolicy] = useState<AdmissionPolicy>('host-approval');
  const [sessionId, setSessionId] = useState('');
  const title = useId();
  return (
    <section className="panel p2p" aria-labelledby={title}>
      <h2 id={title}>Collaborative Session</h2>
      <PeerChannelPill state={{ status: 'idle' }} hint="No peer-to-peer session in this page" standalone />
      <p className="muted small">
        Peer to peer: the canvas runs in the host's browser and edits go straight between browsers over
        WebRTC; the server only introduces you.
      </p>
      <PolicySelect value={policy} onChange={setPolicy} canTrust={canTrust} />
      <button type="button" onClick={() => onOpen({ kind: 'p2p-host', policy, seed: canvasSeed(state) })}>
        Start a peer-to-peer session
      </button>
      <form
        aria-label="Join a peer-to-peer session"
        onSubmit={(e) => {
          e.preventDefault();
          const id = sessionId.trim().toLowerCase();
          if (id) onOpen({ kind: 'p2p-guest', sessionId: id });
        }}
      >
        <label className="field">
          <span>Session ID</span>
          <input
            value={sessionId}
            required
            maxLength={20}
            placeholder="nss-ab12cd-3xy7"
            onChange={(e) => setSessionId(e.target.value)}
          />
        </label>
        <button type="submit">Join peer-to-peer</button>
      </form>
    </section>
  );
}
