// @vitest-environment jsdom
import type { OpsReducer } from '@tandem/client';
import { act, waitFor, within } from '@testing-library/react';
import { useEffect, useState } from 'react';
import { describe, expect, it } from 'vitest';
import { ConnectionPill, useLww, useOps, useYDoc } from '../src/index.js';
import { clientFor, hostSession, renderRoom, useServer } from './support.js';

const ctx = useServer();

interface Lesson {
  title: string;
}

function LessonTitle({ next }: { next: string }) {
  const [lesson, setLesson] = useLww<Lesson>();
  return (
    <>
      <ConnectionPill />
      <p>title: {lesson?.title ?? 'none'}</p>
      <button type="button" onClick={() => void setLesson({ title: next })}>
        Rename
      </button>
    </>
  );
}

type Op = { add: string };
const list: OpsReducer<readonly string[], Op> = { initial: [], apply: (state, op) => [...state, op.add] };

function Items({ label }: { label: string }) {
  const [items, submit] = useOps(list);
  return (
    <>
      <ConnectionPill />
      <p data-testid="items">{items.join(',') || 'empty'}</p>
      <p>count: {items.length}</p>
      <button
        type="button"
        onClick={() => {
          void submit({ add: `${label}1` });
          void submit({ add: `${label}2` });
        }}
      >
        Add two
      </button>
    </>
  );
}

describe('useLww', () => {
  it('a set shows at once here and reaches the other client', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada');
    const a = within(renderRoom(client, { roomId }, <LessonTitle next="Fractions" />).container);
    await a.findByText('Connected');
    const b = within(
      renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, <LessonTitle next="Decimals" />).container,
    );
    await b.findByText('Connected');
    a.getByText('title: none');

    act(() => a.getByRole('button', { name: 'Rename' }).click());
    a.getByText('title: Fractions');
    await b.findByText('title: Fractions');

    act(() => b.getByRole('button', { name: 'Rename' }).click());
    await a.findByText('title: Decimals');
  });
});

describe('useOps', () => {
  it('concurrent ops from two clients converge on the room order', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada', { policy: 'open', docMode: 'ops' });
    const a = within(renderRoom(client, { roomId }, <Items label="a" />).container);
    await a.findByText('Connected');
    const b = within(renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, <Items label="b" />).container);
    await b.findByText('Connected');

    act(() => {
      a.getByRole('button', { name: 'Add two' }).click();
      b.getByRole('button', { name: 'Add two' }).click();
    });
    // Own ops show at once.
    expect(a.getByTestId('items').textContent).toBe('a1,a2');
    expect(b.getByTestId('items').textContent).toBe('b1,b2');

    await a.findByText('count: 4');
    await b.findByText('count: 4');
    await waitFor(() => expect(a.getByTestId('items').textContent).toBe(b.getByTestId('items').textContent));
    const order = a.getByTestId('items').textContent!.split(',');
    expect([...order].sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(order.indexOf('a1')).toBeLessThan(order.indexOf('a2'));
    expect(order.indexOf('b1')).toBeLessThan(order.indexOf('b2'));
  });

  it('a late joiner folds the history with its reducer', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada', { policy: 'open', docMode: 'ops' });
    const a = within(renderRoom(client, { roomId }, <Items label="a" />).container);
    await a.findByText('Connected');
    act(() => a.getByRole('button', { name: 'Add two' }).click());
    await a.findByText('count: 2');
    const b = within(renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, <Items label="b" />).container);
    await b.findByText('count: 2');
    expect(b.getByTestId('items').textContent).toBe('a1,a2');
  });
});

describe('useYDoc', () => {
  function Body() {
    const doc = useYDoc();
    const text = doc.getText('body');
    const [value, setValue] = useState(() => text.toString());
    useEffect(() => {
      const show = () => setValue(text.toString());
      text.observe(show);
      show();
      return () => text.unobserve(show);
    }, [text]);
    return (
      <>
        <ConnectionPill />
        <p>body: {value || 'empty'}</p>
        <button type="button" onClick={() => text.insert(text.length, 'hello')}>
          Type
        </button>
      </>
    );
  }

  it('edits to the Y.Doc reach the other client', async () => {
    const { client, roomId } = await hostSession(ctx.server, 'Ada', { policy: 'open', docMode: 'yjs' });
    const a = within(renderRoom(client, { roomId }, <Body />).container);
    await a.findByText('Connected');
    const b = within(renderRoom(clientFor(ctx.server, 'Bob'), { roomId }, <Body />).container);
    await b.findByText('Connected');

    act(() => a.getByRole('button', { name: 'Type' }).click());
    a.getByText('body: hello');
    await b.findByText('body: hello');
  });
});
