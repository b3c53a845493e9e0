import { awarenessUntil } from '../../../server/test/support/y-websocket.js';
import type { RoomConnection } from '../../src/index.js';

/** An awareness state as the tests read it. */
export type Shown = { user?: { name?: string; color?: string; icon?: string }; cursor?: number } | undefined;

/** Resolves once `awareness` holds a state for `clientId` that satisfies `check` (undefined: none). */
export async function awarenessWhen(
  awareness: RoomConnection['awareness'],
  clientId: number,
  check: (state: Shown) => boolean,
): Promise<Shown> {
  const read = (): Shown => awareness.getStates().get(clientId) as Shown;
  await awarenessUntil(awareness, () => check(read()));
  return read();
}
