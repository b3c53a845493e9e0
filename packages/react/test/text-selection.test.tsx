// @vitest-environment jsdom
import type { Cursor, RoomConnection } from '@tandem/client';
import { act, fireEvent, screen, waitForElementToBeRemoved } from '@testing-library/react';
import { useRef } from 'react';
import { describe, expect, it } from 'vitest';
import { useTextSelection } from '../src/index.js';
import { clientFor, GrabRoom, hostSession, joinRaw, renderRoom, until, useServer } from './support.js';

const ctx = useServer();

function Objective() {
  const ref = useRef<HTMLTextAreaElement>(null);
  const others = useTextSelection(ref, 'objective');
  return (
    <>
      <textarea aria-label="Objective" ref={ref} defaultValue="Compare halves and quarters" />
      <ul aria-label="Others">
        {others.map((s) => (
          <li key={s.slot} style={{ color: s.color }}>
            {`${s.name} ${s.anchor}-${s.head}`}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Ada's page with the objective field, and Bob on a raw connection watching her cursor. */
async function adaAndBob() {
  const { client, roomId } = await hostSession(ctx.server, 'Ada');
  let ada: RoomConnection | undefined;
  renderRoom(
    client,
    { roomId },
    <>
      <GrabRoom into={(room) => (ada = room)} />
      <Objective />
    </>,
  );
  const bob = joinRaw(clientFor(ctx.server, 'Bob'), { roomId });
  await until(bob, () => bob.status === 'connected' && bob.others.some((p) => p.name === 'Ada'));
  await until(ada!, () => ada!.others.some((p) => p.name === 'Bob'));
  const adaSlot = bob.others.find((p) => p.name === 'Ada')!.slot;
  const adaCursor = () => bob.cursors.get(adaSlot);
  // Selections are sent as they change (the focus first puts the caret at the start): wait for one.
  const adaAt = (anchor: number, head: number) =>
    until(bob, () => {
      const c = adaCursor();
      return c?.kind === 'selection' && c.anchor === anchor && c.head === head;
    });
  return {
    ada: ada!,
    bob,
    adaCursor,
    adaAt,
    field: screen.getByLabelText('Objective') as HTMLTextAreaElement,
  };
}

/** Focuses `field` and selects in it, as a person would with the mouse or keys. */
function selectIn(
  field: HTMLTextAreaElement,
  start: number,
  end: number,
  direction?: 'forward' | 'backward',
) {
  act(() => {
    field.focus();
    field.setSelectionRange(start, end, direction);
    fireEvent.select(field);
  });
}

const selection = (anchor: number, head: number): Cursor => ({
  kind: 'selection',
  element: 'objective',
  anchor,
  head,
});

describe('useTextSelection', () => {
  it('shares the focused field’s selection and clears it when the field loses the focus', async () => {
    const { bob, adaCursor, adaAt, field } = await adaAndBob();
    expect(adaCursor()).toBeUndefined();

    selectIn(field, 8, 14, 'backward');
    await adaAt(14, 8);
    expect(adaCursor()).toEqual(selection(14, 8));

    act(() => field.blur());
    await until(bob, () => adaCursor() === undefined);
  });

  it('clears it while the window is unfocused, and shares it again when the window comes back', async () => {
    const { bob, adaCursor, adaAt, field } = await adaAndBob();
    selectIn(field, 3, 3);
    await adaAt(3, 3);

    act(() => {
      window.dispatchEvent(new FocusEvent('blur'));
    });
    await until(bob, () => adaCursor() === undefined);
    act(() => {
      window.dispatchEvent(new FocusEvent('focus'));
    });
    await adaAt(3, 3);
  });

  it('stops while the page is hidden, and shares the selection again once it is shown', async () => {
    const { bob, adaCursor, adaAt, field } = await adaAndBob();
    selectIn(field, 5, 9);
    await adaAt(5, 9);

    const setVisibility = (state: 'hidden' | 'visible') =>
      act(() => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
      });
    setVisibility('hidden');
    await until(bob, () => adaCursor() === undefined);
    setVisibility('visible');
    await adaAt(5, 9);
    Reflect.deleteProperty(document, 'visibilityState');
  });

  it('returns others’ selections in this element only, with their names and colours', async () => {
    const { bob } = await adaAndBob();
    bob.updateCursor({ kind: 'selection', element: 'objective', anchor: 2, head: 9 });
    const item = await screen.findByText('Bob 2-9');
    expect(item.style.color).not.toBe('');

    bob.updateCursor({ kind: 'selection', element: 'title', anchor: 1, head: 1 });
    await waitForElementToBeRemoved(item);
    expect(screen.getByRole('list', { name: 'Others' }).children).toHaveLength(0);

    bob.updateCursor({ kind: 'selection', element: 'objective', anchor: 4, head: 4 });
    const caret = await screen.findByText('Bob 4-4');
    bob.clearCursor();
    await waitForElementToBeRemoved(caret);
  });
});
