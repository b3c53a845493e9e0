import { useEffect, useState } from 'react';
import { Menu } from './menu.js';

/** The invite link of a session: `?join=<code>`, or `?p2p=<session id>` for a peer-to-peer one. */
export function inviteLink(code: string, peerToPeer: boolean): string {
  return `${location.origin}/?${peerToPeer ? 'p2p' : 'join'}=${code}`;
}

/**
 * The top bar's Share: a popover with the session's code and its whole invite link (selectable,
 * never cut short), each with a Copy button that says when it copied.
 */
export function ShareButton({ code, peerToPeer }: { code: string; peerToPeer: boolean }) {
  const link = inviteLink(code, peerToPeer);
  return (
    <Menu label="Share" primary className="share">
      <p className="share-row">
        <span className="muted">{peerToPeer ? 'Session ID' : 'Code'}</span>
        <strong className="share-code" data-testid="share-code">
          {code}
        </strong>
        <CopyButton text={code} label={peerToPeer ? 'Copy ID' : 'Copy code'} />
      </p>
      <label className="field">
        <span>Invite link</span>
        <textarea
          className="share-link"
          readOnly
          rows={2}
          value={link}
          onFocus={(e) => e.currentTarget.select()}
        />
      </label>
      <div className="row spread">
        <span className="muted small">Whoever opens it asks to join; the session's policy decides.</span>
        <CopyButton text={link} label="Copy link" />
      </div>
    </Menu>
  );
}

/** Copies `text`, and says so on the button for a moment; where the clipboard is refused, says that. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState<string | undefined>();
  useEffect(() => {
    if (!said) return;
    const timer = setTimeout(() => setSaid(undefined), 2000);
    return () => clearTimeout(timer);
  }, [said]);
  return (
    <button
      type="button"
      aria-live="polite"
      onClick={() =>
        void (navigator.clipboard?.writeText(text) ?? Promise.reject(new Error('no clipboard')))
          .then(() => setSaid('Copied'))
          // Insecure origins and denied permissions: the text is selectable.
          .catch(() => setSaid('Select and copy'))
      }
    >
      {said ?? label}
    </button>
  );
}
