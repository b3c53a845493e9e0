import type { RoomConnection } from '../../src/index.js';

/** An awareness state as the tests read it. */
export type Shown = { user?: { name?: string; color?: string; icon?: string }; cursor?: number } | undefined;

/** Resolves once `awareness` holds a state for `clientId` that satisfies `check` (undefined: none). */
export function awarenessWhen(
  awareness: RoomConnection['awareness'],
  clientId: number,
  check: (state: Shown) => boolean,
): Promise<Shown> {
  const read = (): Shown => awareness.getStates().get(clientId) as Shown;
  if (check(read())) return Promise.resolve(read());
  return new Promise((resolve) => {
    const changed = (): void => {
      if (!check(read())) return;
      awareness.off('change', changed);
      resolve(read());
    };
    awareness.on('change', changed);
  });
}
