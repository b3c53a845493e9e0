// @vitest-environment jsdom
import { act, fireEvent, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { AccessRequestToasts, RequestAccessDialog, useLock } from '../src/index.js';
import { twoPeople, useServer } from './support.js';

const ctx = useServer();

function Slide({ id }: { id: string }) {
  const { state, select, deselect } = useLock(id);
  const text =
    state.kind === 'held'
      ? `held by ${state.holder?.name ?? '?'}${state.readOnly ? ', read-only' : ''}`
      : state.kind;
  return (
    <>
      <p>lock: {text}</p>
      <button type="button" onClick={() => void select()}>
        Select
      </button>
      <button type="button" onClick={() => void deselect()}>
        Deselect
      </button>
    </>
  );
}

/** The request dialog for slide 1, open until it closes itself or is closed. */
function Asking() {
  const [open, setOpen] = useState(true);
  return open ? (
    <RequestAccessDialog resource="slide-1" resourceLabel="slide 1" onClose={() => setOpen(false)} />
  ) : (
    <p>dialog closed</p>
  );
}

describe('useLock', () => {
  it('select makes the lock mine; the other client sees it held and read-only; deselect frees it', async () => {
    const { a, b } = await twoPeople(ctx.server, <Slide id="slide-1" />, <Slide id="slide-1" />);

    act(() => a.getByRole('button', { name: 'Select' }).click());
    await a.findByText('lock: mine');
    await b.findByText('lock: held by Ada, read-only');

    act(() => a.getByRole('button', { name: 'Deselect' }).click());
    await a.findByText('lock: free');
    await b.findByText('lock: free');
  });

  it('re-renders for its own resource only', async () => {
    let renders = 0;
    function Counted() {
      renders++;
      const { state } = useLock('slide-2');
      return <p>slide-2: {state.kind}</p>;
    }
    const { a, b } = await twoPeople(
      ctx.server,
      <>
        <Slide id="slide-1" />
        <Counted />
      </>,
      <Slide id="slide-1" />,
    );
    const before = renders;
    act(() => b.getByRole('button', { name: 'Select' }).click());
    await b.findByText('lock: mine');
    await a.findByText('lock: held by Bob, read-only');
    expect(renders).toBe(before);
    a.getByText('slide-2: free');
  });
});

describe('access requests', () => {
  it('request access → the holder releases → granted, and the lock changes hands', async () => {
    const { a, b } = await twoPeople(
      ctx.server,
      <>
        <Slide id="slide-1" />
        <AccessRequestToasts />
      </>,
      <>
        <Slide id="slide-1" />
        <Asking />
      </>,
    );
    act(() => a.getByRole('button', { name: 'Select' }).click());
    await b.findByText('lock: held by Ada, read-only');
    b.getByRole('dialog', { name: 'Ask Ada for slide 1' });

    fireEvent.change(b.getByLabelText('Message'), { target: { value: 'may I fix the typo?' } });
    act(() => b.getByRole('button', { name: 'Send request' }).click());
    await b.findByText('Waiting for Ada to answer…');

    const toasts = a.getByRole('list', { name: 'Access requests' });
    await within(toasts).findByText('may I fix the typo?');
    within(toasts).getByText('Bob');
    act(() => within(toasts).getByRole('button', { name: 'Release slide-1 to Bob' }).click());

    // Granted, the dialog closes itself: there is nothing left to ask.
    await b.findByText('dialog closed');
    expect(b.queryByRole('dialog')).toBeNull();
    await b.findByText('lock: mine');
    await a.findByText('lock: held by Bob, read-only');
    await within(toasts).findByText((_, el) => el === toasts && el.children.length === 0);
  });

  it('a declined request says so and leaves the lock where it was', async () => {
    const { a, b } = await twoPeople(
      ctx.server,
      <>
        <Slide id="slide-1" />
        <AccessRequestToasts />
      </>,
      <>
        <Slide id="slide-1" />
        <RequestAccessDialog resource="slide-1" onClose={() => undefined} />
      </>,
    );
    act(() => a.getByRole('button', { name: 'Select' }).click());
    await b.findByText('lock: held by Ada, read-only');
    act(() => b.getByRole('button', { name: 'Send request' }).click());
    const decline = await a.findByRole('button', { name: "Decline Bob's request for slide-1" });
    act(() => decline.click());
    expect(
      (await b.findByText('Your request was declined. You can ask again later.')).getAttribute(
        'data-outcome',
      ),
    ).toBe('declined');
    b.getByRole('dialog');
    a.getByText('lock: mine');
    b.getByText('lock: held by Ada, read-only');
  });
});
