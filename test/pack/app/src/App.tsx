import { createClient } from '@tandem/client';
import { ConnectionPill, PresenceAvatars, RoomProvider, TandemProvider, useLww } from '@tandem/react';

const client = createClient({ url: window.location.origin, auth: { guest: 'Ada' } });

function Title() {
  const [lesson, setLesson] = useLww<{ title: string }>();
  return (
    <input value={lesson?.title ?? ''} onChange={(event) => void setLesson({ title: event.target.value })} />
  );
}

export function App({ roomId }: { roomId: string }) {
  return (
    <TandemProvider client={client}>
      <RoomProvider target={{ roomId }}>
        <ConnectionPill />
        <PresenceAvatars />
        <Title />
      </RoomProvider>
    </TandemProvider>
  );
}
