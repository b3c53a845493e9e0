import { ConnectionPill, RoomProvider, useAwareness, useReadOnly, useSelf, useYDoc } from '@tandem/react';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { type Editor, EditorContent, useEditorState, useEditor as useTiptap } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect } from 'react';
import { LessonCard } from './lesson-card.js';

/**
 * The lesson beside the canvas, in two companion rooms of the session: the notes as rich text over
 * Yjs (everyone types at once, edits merge) and the lesson card as one JSON object in `lww` mode
 * (sent whole as it is typed; the room's order decides).
 */
export function LessonPane({
  notesRoomId,
  lessonRoomId,
}: {
  notesRoomId: string | undefined;
  lessonRoomId: string | undefined;
}) {
  return (
    <section className="notes" aria-label="Lesson">
      <header className="row spread">
        <h2>Lesson</h2>
        {notesRoomId ? null : <span className="muted small">Waiting for the host's lesson…</span>}
      </header>
      <div className="lesson-grid">
        {lessonRoomId ? (
          <RoomProvider target={{ roomId: lessonRoomId }}>
            <LessonCard />
          </RoomProvider>
        ) : null}
        {notesRoomId ? (
          <RoomProvider target={{ roomId: notesRoomId }}>
            <NotesEditor />
          </RoomProvider>
        ) : null}
      </div>
    </section>
  );
}

// ── Notes: rich text over Yjs ─────────────────────────────────────────────────────────────

function NotesEditor() {
  const doc = useYDoc();
  // Everyone's caret and selection, labelled with the name and colour the room gives them.
  const awareness = useAwareness();
  const self = useSelf();
  // A viewer's change to the shared document would not be sent: the editor does not take one.
  const readOnly = useReadOnly();
  const editor = useTiptap(
    {
      // Undo is Yjs's business in a shared document; the editor's own history would undo others' edits.
      extensions: [
        StarterKit.configure({ undoRedo: false }),
        Collaboration.configure({ document: doc, field: 'notes' }),
        CollaborationCaret.configure({
          provider: { awareness },
          user: { name: self?.name ?? '', color: self?.color ?? '' },
          render: caret,
          selectionRender: selection,
        }),
      ],
      editorProps: {
        attributes: {
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-label': 'Lesson notes text',
          class: 'notes-editor',
        },
      },
    },
    [doc, awareness],
  );
  useEffect(() => {
    if (editor && editor.isEditable === readOnly) editor.setEditable(!readOnly);
  }, [editor, readOnly]);
  return (
    <div className="notes-body" data-read-only={readOnly || undefined}>
      <div className="row spread">
        <h3 className="small-title">Notes · rich text (yjs)</h3>
        <ConnectionPill className="small" />
      </div>
      {editor && !readOnly ? <Toolbar editor={editor} /> : null}
      <EditorContent editor={editor} />
    </div>
  );
}

/** The name and room colour a collaborator's awareness carries (written by the room). */
function named(user: Record<string, unknown>): { name: string; color: string } {
  const name = typeof user.name === 'string' ? user.name : '';
  const color = typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : '#888888';
  return { name, color };
}

/** A collaborator's selection: their colour, faint enough to read through. */
function selection(user: Record<string, unknown>): Record<string, string> {
  const { name, color } = named(user);
  return {
    nodeName: 'span',
    class: 'notes-remote-selection',
    style: `background-color: ${color}40`,
    'data-name': name,
  };
}

/** A collaborator's caret: a bar in their colour with their name above it. */
function caret(user: Record<string, unknown>): HTMLElement {
  const { name, color } = named(user);
  const bar = document.createElement('span');
  bar.className = 'collaboration-carets__caret';
  bar.style.borderColor = color;
  bar.dataset.name = name;
  const label = document.createElement('span');
  label.className = 'collaboration-carets__label';
  label.style.backgroundColor = color;
  label.textContent = name;
  bar.append(label);
  return bar;
}

function Toolbar({ editor }: { editor: Editor }) {
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      heading: e.isActive('heading', { level: 2 }),
      bullets: e.isActive('bulletList'),
    }),
  });
  const tools = [
    { key: 'bold', label: 'Bold', short: 'B', run: () => editor.chain().focus().toggleBold().run() },
    { key: 'italic', label: 'Italic', short: 'I', run: () => editor.chain().focus().toggleItalic().run() },
    {
      key: 'heading',
      label: 'Heading',
      short: 'H',
      run: () => editor.chain().focus().toggleHeading({ level: 2 }).run(),
    },
    {
      key: 'bullets',
      label: 'Bullet list',
      short: '•',
      run: () => editor.chain().focus().toggleBulletList().run(),
    },
  ] as const;
  return (
    <div className="toolbar" role="toolbar" aria-label="Text formatting">
      {tools.map((t) => (
        <button
          key={t.key}
          type="button"
          className="tool"
          aria-label={t.label}
          title={t.label}
          aria-pressed={active[t.key]}
          // A mouse press would move focus to the button, and the editor takes it back only on the
          // next frame: keys typed before then would land on the button (a space presses it again).
          onMouseDown={(e) => e.preventDefault()}
          onClick={t.run}
        >
          {t.short}
        </button>
      ))}
    </div>
  );
}
