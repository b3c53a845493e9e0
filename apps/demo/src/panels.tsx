import {
  RequestAccessDialog,
  useActivity,
  useAdmission,
  useChat,
  useLock,
  useOthers,
  useSelf,
  useStatus,
  WaitingRoomList,
} from '@tandem/react';
import { useEffect, useId, useRef, useState } from 'react';
import { activityWords } from './activity-words.js';
import {
  BRUSH_MODES,
  type BrushMode,
  type CanvasProps,
  FILTERS,
  type FilterPreset,
  type Layer,
  newLayer,
  SCENES,
  type SceneId,
} from './canvas.js';
import { useEditor } from './editor-context.js';
import { ProjectFileActions } from './images/project-panel.js';
import { useAddImages } from './images/use-add-images.js';
import { PolicySelect, parseTrusted } from './policy-select.js';
import { SCENE_LABELS } from './scenes.js';

function Panel({
  title,
  children,
  className,
}: {
  title: string;
  children: React.ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

// ── Layers ─────────────────────────────────────────────────────────────────────────────────

export function LayerPanel() {
  const { state, edit, select, readOnly } = useEditor();
  const addImages = useAddImages();
  const imageInput = useRef<HTMLInputElement>(null);
  const add = (kind: 'rect' | 'text') => {
    const layer = newLayer(kind, state.order.length);
    edit({ add: layer });
    select(layer.id);
  };
  const top = [...state.order].reverse();
  return (
    <Panel title="Layers">
      <fieldset className="row wrap" disabled={readOnly} aria-label="Add a layer">
        <button type="button" onClick={() => add('rect')}>
          + Shape
        </button>
        <button type="button" onClick={() => add('text')}>
          + Text
        </button>
        <button type="button" onClick={() => imageInput.current?.click()}>
          + Image
        </button>
        {/* The file is read on this device; only its hash, name and size go to the others. */}
        <input
          ref={imageInput}
          type="file"
          accept="image/*"
          multiple
          hidden
          aria-label="Image files"
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = '';
            void addImages(files);
          }}
        />
      </fieldset>
      {top.length === 0 ? <p className="muted small">No layers yet.</p> : null}
      <ol className="layer-list">
        {top.map((id) => {
          const layer = state.layers[id];
          return layer ? <LayerRow key={id} layer={layer} index={state.order.indexOf(id)} /> : null;
        })}
      </ol>
    </Panel>
  );
}

function LayerRow({ layer, index }: { layer: Layer; index: number }) {
  const { state: canvas, edit, selected, select, readOnly } = useEditor();
  const { state } = useLock(layer.id);
  const last = canvas.order.length - 1;
  const locked = state.readOnly || readOnly;
  const by = state.kind === 'held' ? state.holder : undefined;
  return (
    <li className="layer-row" data-selected={selected === layer.id || undefined} data-layer={layer.id}>
      <button
        type="button"
        className="layer-name"
        aria-pressed={selected === layer.id}
        onClick={() => select(layer.id)}
      >
        <span className={`kind kind-${layer.kind}`} aria-hidden="true" />
        {layer.name}
        {by ? (
          <span className="holder" style={{ color: by.color }}>
            {' '}
            · {by.name}
          </span>
        ) : null}
      </button>
      <span className="row-actions">
        <button
          type="button"
          className="icon"
          disabled={locked}
          aria-label={`${layer.visible ? 'Hide' : 'Show'} ${layer.name}`}
          onClick={() => edit({ layer: layer.id, set: { visible: !layer.visible } }, layer.id)}
        >
          {layer.visible ? '◉' : '○'}
        </button>
        <button
          type="button"
          className="icon"
          disabled={locked || index === last}
          aria-label={`Move ${layer.name} up`}
          onClick={() => edit({ move: layer.id, to: index + 1 }, layer.id)}
        >
          ↑
        </button>
        <button
          type="button"
          className="icon"
          disabled={locked || index === 0}
          aria-label={`Move ${layer.name} down`}
          onClick={() => edit({ move: layer.id, to: index - 1 }, layer.id)}
        >
          ↓
        </button>
        <button
          type="button"
          className="icon danger"
          disabled={locked}
          aria-label={`Delete ${layer.name}`}
          onClick={() => {
            if (selected === layer.id) select(undefined);
            edit({ remove: layer.id }, layer.id);
          }}
        >
          ×
        </button>
      </span>
    </li>
  );
}

// ── Properties of the selected layer ───────────────────────────────────────────────────────

export function PropertiesPanel() {
  const { state, selected } = useEditor();
  const layer = selected ? state.layers[selected] : undefined;
  return (
    <Panel title="Layer properties">
      {layer ? (
        <LayerProperties key={layer.id} layer={layer} />
      ) : (
        <p className="muted small">
          Select a layer to edit it. Selecting takes the lock: others see it as yours.
        </p>
      )}
    </Panel>
  );
}

function LayerProperties({ layer }: { layer: Layer }) {
  const { edit, select, readOnly } = useEditor();
  const { state, lost } = useLock(layer.id);
  const [asking, setAsking] = useState(false);
  const set = (patch: Partial<Layer>, key?: string) =>
    edit({ layer: layer.id, set: patch }, layer.id, key ? `${layer.id}:${key}` : undefined);
  const editable = state.kind === 'mine' && !readOnly;

  return (
    <div className="layer-props" data-lock={state.kind}>
      {readOnly ? (
        <p className="lock-banner small" role="status">
          You are a viewer: you see {layer.name} as it changes, and cannot edit it.
        </p>
      ) : state.kind === 'held' ? (
        <div className="lock-banner" role="status" style={{ borderColor: state.holder?.color }}>
          <p>
            <strong style={{ color: state.holder?.color }}>{state.holder?.name ?? 'Someone'}</strong> is
            editing {layer.name}. You can watch; editing is read-only.
          </p>
          {asking ? null : (
            <button type="button" className="primary" onClick={() => setAsking(true)}>
              Request access
            </button>
          )}
        </div>
      ) : state.kind === 'free' ? (
        <div className="lock-banner" role="status" data-lost={lost}>
          <p>
            {lost === 'expired'
              ? `Your hold on ${layer.name} expired: nothing was changed in it for a while.`
              : 'Nobody holds this layer.'}
          </p>
          <button type="button" onClick={() => select(layer.id)}>
            Edit this layer
          </button>
        </div>
      ) : (
        <p className="lock-mine small" role="status">
          You are editing this layer.
        </p>
      )}
      {asking ? (
        <RequestAccessDialog
          resource={layer.id}
          resourceLabel={layer.name}
          className="request-dialog"
          onClose={() => setAsking(false)}
          onOutcome={(outcome) => {
            if (outcome === 'granted') select(layer.id);
          }}
        />
      ) : null}
      <fieldset disabled={!editable} aria-label={`${layer.name} properties`}>
        <label className="field">
          <span>Name</span>
          <input value={layer.name} maxLength={40} onChange={(e) => set({ name: e.target.value }, 'name')} />
        </label>
        {layer.kind === 'text' ? (
          <label className="field">
            <span>Text</span>
            <input
              value={layer.text}
              maxLength={120}
              onChange={(e) => set({ text: e.target.value }, 'text')}
            />
          </label>
        ) : null}
        {layer.image ? (
          <p className="muted small" data-testid="image-info">
            {layer.image.name} · {layer.image.width} × {layer.image.height} px · opened by{' '}
            {layer.image.by || 'someone'}
          </p>
        ) : null}
        <div className="row">
          {/* An image is drawn from its file: a colour would change nothing. */}
          {layer.image ? null : (
            <ColorField label="Colour" value={layer.color} onChange={(color) => set({ color }, 'color')} />
          )}
          <label className="field check">
            <input
              type="checkbox"
              checked={layer.visible}
              onChange={(e) => set({ visible: e.target.checked })}
            />
            <span>Visible</span>
          </label>
        </div>
        <Range
          label="Opacity"
          min={0}
          max={100}
          value={Math.round(layer.opacity * 100)}
          unit="%"
          onChange={(v) => set({ opacity: v / 100 }, 'opacity')}
        />
        <div className="row">
          <NumberField label="X" value={layer.x} onChange={(x) => set({ x }, 'xy')} />
          <NumberField label="Y" value={layer.y} onChange={(y) => set({ y }, 'xy')} />
          <NumberField label="W" value={layer.w} onChange={(w) => set({ w }, 'wh')} />
          <NumberField label="H" value={layer.h} onChange={(h) => set({ h }, 'wh')} />
        </div>
      </fieldset>
    </div>
  );
}

function ColorField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type="color" value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

function NumberField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: number;
  onChange: (v: number) => void;
}) {
  return (
    <label className="field num">
      <span>{label}</span>
      <input
        type="number"
        value={Math.round(value)}
        step={1}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isFinite(v)) onChange(v);
        }}
      />
    </label>
  );
}

/** A slider that shows its own value while dragged (edits are paced), the shared one otherwise. */
function Range(props: {
  label: string;
  min: number;
  max: number;
  value: number;
  unit?: string;
  onChange: (v: number) => void;
}) {
  const [draft, setDraft] = useState<number | undefined>();
  const shown = draft ?? props.value;
  return (
    <label className="field range">
      <span>
        {props.label} <output>{`${shown}${props.unit ?? ''}`}</output>
      </span>
      <input
        type="range"
        min={props.min}
        max={props.max}
        value={shown}
        onChange={(e) => {
          const v = Number(e.target.value);
          setDraft(v);
          props.onChange(v);
        }}
        onBlur={() => setDraft(undefined)}
        onPointerUp={() => setTimeout(() => setDraft(undefined), 300)}
      />
    </label>
  );
}

// ── Canvas-wide adjustments ────────────────────────────────────────────────────────────────

/** The canvas's numeric adjustments, one slider each. */
const SLIDERS: readonly {
  key: 'intensity' | 'brightness' | 'contrast' | 'saturation' | 'temperature';
  label: string;
  min: number;
  max: number;
  unit?: string;
}[] = [
  { key: 'intensity', label: 'Intensity', min: 0, max: 100, unit: '%' },
  { key: 'brightness', label: 'Brightness', min: 0, max: 200, unit: '%' },
  { key: 'contrast', label: 'Contrast', min: 0, max: 200, unit: '%' },
  { key: 'saturation', label: 'Saturation', min: 0, max: 200, unit: '%' },
  { key: 'temperature', label: 'Temperature', min: -100, max: 100 },
];

export function AdjustmentsPanel() {
  const { state, edit, readOnly } = useEditor();
  const p = state.props;
  const set = (patch: Partial<CanvasProps>, key: string) => edit({ set: patch }, undefined, `props:${key}`);
  return (
    <Panel title="Canvas">
      <fieldset disabled={readOnly} aria-label="Canvas settings">
        <div className="row">
          <ColorField
            label="Background"
            value={p.background}
            onChange={(background) => set({ background }, 'bg')}
          />
          <label className="field grow">
            <span>Scene</span>
            <select
              value={p.scene ?? 'none'}
              onChange={(e) => set({ scene: e.target.value as SceneId }, 'scene')}
            >
              {SCENES.map((scene) => (
                <option key={scene} value={scene}>
                  {SCENE_LABELS[scene]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="row">
          <label className="field grow">
            <span>Filter</span>
            <select
              value={p.filter}
              onChange={(e) => set({ filter: e.target.value as FilterPreset }, 'filter')}
            >
              {FILTERS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
        </div>
        {SLIDERS.map(({ key, label, min, max, unit }) => (
          <Range
            key={key}
            label={label}
            min={min}
            max={max}
            unit={unit}
            value={p[key]}
            onChange={(v) => set({ [key]: v }, key)}
          />
        ))}
        <div className="row">
          <label className="field grow">
            <span>Brush</span>
            <select
              value={p.brushMode}
              onChange={(e) => set({ brushMode: e.target.value as BrushMode }, 'brush')}
            >
              {BRUSH_MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <NumberField
            label="Size"
            value={p.brushSize}
            onChange={(v) => set({ brushSize: Math.max(1, Math.min(200, v)) }, 'brushSize')}
          />
        </div>
      </fieldset>
      {/* Outside the fieldset: a viewer too exports, and imports images to its own device. */}
      <ProjectFileActions />
    </Panel>
  );
}

// ── Host: code, invite, policy, trusted list, waiting room ─────────────────────────────────

/**
 * @param peerToPeerId - The session id, in a peer-to-peer session (which has no join code).
 * @param canTrust - Whether the host's sign-in carries an email, without which `trusted` is not offered.
 */
export function HostPanel({
  peerToPeerId,
  canTrust,
}: {
  peerToPeerId?: string | undefined;
  canTrust: boolean;
}) {
  const { settings, setPolicy, setTrusted } = useAdmission();
  const [emails, setEmails] = useState<string | undefined>();
  if (!settings) return null;
  const trusted = parseTrusted(emails ?? settings.trusted.join('\n'));
  return (
    // The invite itself is under Share, in the top bar; a peer-to-peer session's id is in its
    // Collaborative Session panel.
    <Panel title="Session" className="host">
      {peerToPeerId ? null : (
        <p className="join-code">
          Code <strong data-testid="join-code">{settings.joinCode}</strong>
        </p>
      )}
      <PolicySelect value={settings.policy} onChange={setPolicy} canTrust={canTrust} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (trusted.invalid.length > 0) return;
          setTrusted(trusted.emails);
          setEmails(undefined);
        }}
      >
        <label className="field">
          <span>Trusted emails (join without waiting)</span>
          <textarea
            rows={2}
            value={emails ?? settings.trusted.join('\n')}
            placeholder="ada@example.com"
            aria-invalid={trusted.invalid.length > 0 || undefined}
            onChange={(e) => setEmails(e.target.value)}
          />
        </label>
        {trusted.invalid.length > 0 ? (
          <p className="error" role="alert" data-testid="trusted-invalid">
            {trusted.invalid.length === 1 ? 'Not an email address' : 'Not email addresses'}:{' '}
            {trusted.invalid.join(', ')}. Correct or remove {trusted.invalid.length === 1 ? 'it' : 'them'} to
            save.
          </p>
        ) : null}
        <button type="submit" disabled={trusted.invalid.length > 0}>
          Save trusted list
        </button>
      </form>
    </Panel>
  );
}

// ── People ─────────────────────────────────────────────────────────────────────────────────

export function PeoplePanel() {
  const self = useSelf();
  const others = useOthers();
  const { isHost, remove, setAccess } = useAdmission();
  const { status } = useStatus();
  // While the connection is down the list is who was here when it dropped, not who is here now.
  const stale = status !== 'connected';
  return (
    <Panel title="People">
      {isHost ? <WaitingRoomList label="Waiting to join" empty={null} className="waiting" /> : null}
      {stale ? (
        <p className="muted small roster-stale" role="status">
          {status === 'disconnected' ? 'Disconnected' : 'Reconnecting…'} Who is here is not known until the
          connection is back.
        </p>
      ) : null}
      <ul className="roster" aria-label="In this session" data-stale={stale || undefined}>
        {self ? (
          <li>
            <span className="dot" style={{ background: self.color }} aria-hidden="true" />
            {self.name}{' '}
            <span className="muted">
              (you{self.role === 'host' ? ', host' : ''}
              {self.access === 'read' ? ', viewer' : ''})
            </span>
          </li>
        ) : null}
        {others.map((p) => (
          <li key={p.slot} data-hidden={p.hidden || undefined} data-viewer={p.access === 'read' || undefined}>
            <span className="dot" style={{ background: p.color }} aria-hidden="true" />
            {p.name}
            {p.role === 'host' ? <span className="muted"> (host)</span> : null}
            {p.access === 'read' ? <span className="tag viewer">viewer</span> : null}
            {p.hidden ? <span className="muted"> · away</span> : null}
            {isHost && p.role !== 'host' ? (
              <button
                type="button"
                className="link"
                aria-label={p.access === 'read' ? `Let ${p.name} edit` : `Make ${p.name} a viewer`}
                onClick={() => setAccess(p.slot, p.access === 'read' ? 'write' : 'read')}
              >
                {p.access === 'read' ? 'Let edit' : 'Make viewer'}
              </button>
            ) : null}
            {isHost && p.role !== 'host' ? (
              <button
                type="button"
                className="link danger"
                aria-label={`Remove ${p.name}`}
                onClick={() => remove(p.slot)}
              >
                Remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

// ── Activity ───────────────────────────────────────────────────────────────────────────────

/** Layer ids (in lock events) read as the layers' names. */
const LAYER_ID = /\b(?:rect|text|image|stroke)-[a-z0-9]+\b/g;

export function ActivityPanel() {
  const entries = useActivity();
  const { state } = useEditor();
  const named = (message: string) => message.replace(LAYER_ID, (id) => state.layers[id]?.name ?? 'a layer');
  return (
    <Panel title="Activity" className="activity">
      <ol className="activity-list" aria-live="off">
        {entries.map((e, i) => (
          <li key={`${e.at}-${i}`} data-kind={e.kind}>
            <time>
              {new Date(e.at).toLocaleTimeString([], {
                hour: '2-digit',
                minute: '2-digit',
                second: '2-digit',
              })}
            </time>{' '}
            {named(activityWords(e.kind, e.message))}
          </li>
        ))}
      </ol>
    </Panel>
  );
}

// ── Chat ───────────────────────────────────────────────────────────────────────────────────

export function ChatDock() {
  const { messages, unread, send, markRead } = useChat();
  const { notify } = useEditor();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (open && messages.length >= 0) {
      markRead();
      list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
    }
  }, [open, messages, markRead]);

  return (
    <div className="chat-dock" data-open={open || undefined}>
      {open ? (
        <section className="chat" aria-label="Chat">
          <header className="row spread">
            <h2>Chat</h2>
            <button type="button" className="link" onClick={() => setOpen(false)}>
              Close
            </button>
          </header>
          <ol ref={list} className="chat-list" aria-live="polite">
            {messages.map((m) => (
              <li key={m.id} data-mine={m.mine || undefined}>
                <strong style={{ color: m.author?.color }}>
                  {m.mine ? 'You' : (m.author?.name ?? 'Someone')}
                </strong>{' '}
                {m.text}
              </li>
            ))}
          </ol>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              const t = text.trim();
              if (!t) return;
              setText('');
              send(t).catch((err: Error & { codeName?: string }) => {
                setText(t);
                notify(
                  err.codeName === 'RateLimited'
                    ? 'Slow down: at most 2 chat messages a second.'
                    : err.message,
                );
              });
            }}
          >
            <input
              className="grow"
              value={text}
              maxLength={500}
              aria-label="Message"
              placeholder="Say something…"
              onChange={(e) => setText(e.target.value)}
            />
            <button type="submit" className="primary">
              Send
            </button>
          </form>
        </section>
      ) : null}
      <button type="button" className="chat-launcher" aria-expanded={open} onClick={() => setOpen(!open)}>
        Chat
        {unread > 0 && !open ? (
          <span className="badge">
            <span data-testid="unread">{unread}</span>
            <span className="sr-only"> unread</span>
          </span>
        ) : null}
      </button>
    </div>
  );
}
