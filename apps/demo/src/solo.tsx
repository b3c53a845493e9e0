import type { RoomConnection } from '@tandem/client';
import { RoomProvider, useStatus } from '@tandem/react';
import { useEffect, useState } from 'react';
import type { Identity } from './identity.js';
import { Editor, Screen, type SoloControls } from './session.js';
import { openSoloRoom } from './solo-room.js';

/**
 * Where a signed-in person lands: the editor on their own canvas, kept in this browser, with no
 * server room. Collaborate, Join and the Collaborative Session panel lead from it into a session.
 */
export function Solo({ identity, ...controls }: { identity: Identity } & SoloControls) {
  const [room, setRoom] = useState<RoomConnection | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    let cancelled = false;
    let close = () => {};
    openSoloRoom(identity.name).then(
      (solo) => {
        if (cancelled) return solo.close();
        close = solo.close;
        setRoom(solo.room);
      },
      (e: Error) => setError(e.message),
    );
    return () => {
      cancelled = true;
      close();
    };
  }, [identity.name]);
  if (error) {
    return (
      <Screen title="Could not open your canvas">
        <p className="error" role="alert">
          {error}
        </p>
      </Screen>
    );
  }
  if (!room) return <Screen title="Opening your canvas…" />;
  return (
    <RoomProvider room={room}>
      <SoloEditor identity={identity} controls={controls} />
    </RoomProvider>
  );
}

/** The editor once the solo canvas is loaded, so Collaborate never starts from a canvas not yet read. */
function SoloEditor({ identity, controls }: { identity: Identity; controls: SoloControls }) {
  const { status } = useStatus();
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (status === 'connected') setReady(true);
  }, [status]);
  if (!ready && status !== 'connected') return <Screen title="Opening your canvas…" />;
  return (
    <Editor code="solo" peerToPeer={false} identity={identity} onLeave={() => undefined} solo={controls} />
  );
}
