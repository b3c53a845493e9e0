import { LiveCursors, useLock, useRoom, useSelf } from '@tandem/react';
import { useRef, useState } from 'react';
import { type CanvasProps, cssFilter, type Layer, layerId, type Stroke } from './canvas.js';
import { useEditor } from './editor-context.js';
import { ImageLayerView } from './images/image-layer-view.js';
import { MissingImages } from './images/missing-images.js';
import { useAddImages } from './images/use-add-images.js';
import { sceneStyle } from './scenes.js';
import { strokeLayer, strokePath } from './stroke.js';

export const STAGE_W = 640;
export const STAGE_H = 400;

/** The shared canvas: layers, their lock outlines, and everyone's cursors. */
export function Stage() {
  const room = useRoom();
  const self = useSelf();
  const { state, select, edit, tool, setTool, readOnly } = useEditor();
  const ref = useRef<HTMLDivElement>(null);
  // The drag of the stroke being drawn; it travels as one op when the pointer lifts.
  const [drawn, setDrawn] = useState<[number, number][] | undefined>();
  const addImages = useAddImages();
  const brush = { mode: state.props.brushMode, size: state.props.brushSize, color: self?.color ?? '#1f2330' };

  const at = (e: React.PointerEvent): [number, number] | undefined => {
    const box = ref.current?.getBoundingClientRect();
    return box ? [Math.round(e.clientX - box.left), Math.round(e.clientY - box.top)] : undefined;
  };

  const onPointerMove = (e: React.PointerEvent) => {
    const p = at(e);
    if (!p) return;
    room.updateCursor({ kind: '2d', x: p[0], y: p[1] });
    // Pointer events come faster than a stroke needs: a point within 2 px of the last adds nothing.
    const last = drawn?.at(-1);
    if (drawn && last && Math.hypot(p[0] - last[0], p[1] - last[1]) >= 2) setDrawn([...drawn, p]);
  };

  const finishStroke = () => {
    if (!drawn) return;
    setDrawn(undefined);
    const strokes = state.order.filter((id) => state.layers[id]?.kind === 'stroke').length;
    const layer = strokeLayer(layerId('stroke'), `Stroke ${strokes + 1}`, drawn, brush);
    if (layer) edit({ add: layer });
  };

  return (
    <section className="stage-wrap" aria-label="Canvas">
      <div className="row tools" role="toolbar" aria-label="Tools">
        <button type="button" aria-pressed={tool === 'select'} onClick={() => setTool('select')}>
          Select
        </button>
        <button
          type="button"
          aria-pressed={tool === 'brush'}
          disabled={readOnly}
          onClick={() => setTool('brush')}
        >
          Brush
        </button>
        <span className="muted small grow">
          {readOnly
            ? 'View only: others see your pointer; you cannot change the canvas.'
            : tool === 'brush'
              ? `Drag on the canvas to draw (${brush.mode}, ${brush.size} px; change them under Canvas).`
              : 'Click a layer to edit it; Tab and Enter select, arrow keys move.'}
        </span>
        <span className="muted small">
          filter {state.props.filter}
          {state.props.filter === 'none' ? '' : ` ${state.props.intensity} %`}
        </span>
      </div>
      <MissingImages />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for image files; the Layers panel's + Image does the same from the keyboard */}
      <div
        ref={ref}
        className="stage"
        data-testid="stage"
        data-tool={tool}
        data-read-only={readOnly || undefined}
        style={{ width: STAGE_W, height: STAGE_H }}
        onDragOver={(e) => {
          if (readOnly || !e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDrop={(e) => {
          if (readOnly) return;
          e.preventDefault();
          const box = ref.current?.getBoundingClientRect();
          const at = box ? { x: e.clientX - box.left, y: e.clientY - box.top } : undefined;
          void addImages([...e.dataTransfer.files], at);
        }}
        onPointerMove={onPointerMove}
        onPointerLeave={() => room.clearCursor()}
        onPointerDown={(e) => {
          if (tool === 'brush') {
            const p = at(e);
            if (!p) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            setDrawn([p]);
          } else if (e.target === e.currentTarget) select(undefined);
        }}
        onPointerUp={finishStroke}
        onPointerCancel={() => setDrawn(undefined)}
      >
        {/* The backdrop is inside the filtered content: a filter (noir) covers the whole canvas. */}
        <div className="stage-content" style={{ filter: cssFilter(state.props) }}>
          <div className="stage-backdrop" style={sceneStyle(state.props.scene, state.props.background)} />
          {state.order.map((id) => {
            const layer = state.layers[id];
            return layer ? <LayerView key={id} layer={layer} props={state.props} /> : null;
          })}
          {drawn && drawn.length > 1 ? (
            <svg className="stroke-preview" width={STAGE_W} height={STAGE_H} aria-hidden="true">
              <path d={strokePath(drawn.flat())} {...strokeStyle(brush, brush.color, state.props)} />
            </svg>
          ) : null}
        </div>
        <div className="stage-outlines">
          {state.order.map((id) => {
            const layer = state.layers[id];
            return layer ? <LayerFrame key={id} layer={layer} /> : null;
          })}
        </div>
        {state.order.length === 0 ? (
          <p className="stage-empty">
            Add a shape, a text or an image from the Layers panel, or drop an image file here.
          </p>
        ) : null}
        <LiveCursors />
      </div>
    </section>
  );
}

/** How a stroke's mode renders: paint in its colour, erase in the background, mask as a red veil. */
function strokeStyle(
  stroke: Pick<Stroke, 'mode' | 'size'>,
  color: string,
  props: CanvasProps,
): React.SVGProps<SVGPathElement> {
  const tint = stroke.mode === 'erase' ? props.background : stroke.mode === 'mask' ? '#ef5b7a' : color;
  return {
    fill: 'none',
    stroke: tint,
    strokeWidth: stroke.size,
    strokeLinecap: 'round',
    strokeLinejoin: 'round',
    strokeOpacity: stroke.mode === 'mask' ? 0.45 : 1,
  };
}

function LayerView({ layer, props }: { layer: Layer; props: CanvasProps }) {
  if (!layer.visible) return null;
  const style: React.CSSProperties = {
    left: layer.x,
    top: layer.y,
    width: layer.w,
    height: layer.h,
    opacity: layer.opacity,
  };
  if (layer.kind === 'text') {
    return (
      <div className="layer text" style={{ ...style, color: layer.color }}>
        {layer.text}
      </div>
    );
  }
  if (layer.kind === 'stroke' && layer.stroke) {
    return (
      <svg
        className="layer stroke"
        data-mode={layer.stroke.mode}
        style={style}
        width={layer.w}
        height={layer.h}
        viewBox={`0 0 ${layer.stroke.w} ${layer.stroke.h}`}
        preserveAspectRatio="none"
        aria-hidden="true"
      >
        <path
          d={strokePath(layer.stroke.points)}
          vectorEffect="non-scaling-stroke"
          {...strokeStyle(layer.stroke, layer.color, props)}
        />
      </svg>
    );
  }
  if (layer.kind === 'image') return <ImageLayerView layer={layer} style={style} />;
  return <div className="layer rect" style={{ ...style, background: layer.color }} />;
}

/**
 * The interactive frame of a layer, above the filtered content: click or Enter selects (takes the
 * lock); its outline is in the holder's colour; the holder drags it or moves it with the arrow keys.
 */
function LayerFrame({ layer }: { layer: Layer }) {
  const { selected, select, edit, readOnly } = useEditor();
  const { state, touch } = useLock(layer.id);
  const self = useSelf();
  const [drag, setDrag] = useState<{ dx: number; dy: number; x0: number; y0: number } | undefined>();
  if (!layer.visible) return null;
  const mine = state.kind === 'mine' && !readOnly;
  const color = mine ? self?.color : state.kind === 'held' ? state.holder?.color : undefined;
  const holderName = state.kind === 'held' ? (state.holder?.name ?? 'someone') : undefined;
  const isSelected = selected === layer.id;
  const move = (x: number, y: number) => edit({ layer: layer.id, set: { x, y } }, layer.id, `${layer.id}:xy`);

  return (
    // biome-ignore lint/a11y/useSemanticElements: a positioned canvas item; a <button> cannot hold the drag handling cleanly
    <div
      role="button"
      tabIndex={0}
      className="layer-frame"
      data-layer={layer.id}
      data-lock={state.kind}
      data-selected={isSelected || undefined}
      aria-pressed={isSelected}
      aria-label={`${layer.name}${holderName ? `, edited by ${holderName}` : mine ? ', yours to edit' : ''}`}
      style={{
        left: layer.x + (drag?.dx ?? 0),
        top: layer.y + (drag?.dy ?? 0),
        width: layer.w,
        height: layer.h,
        outlineColor: color ?? (isSelected ? '#6d5dfc' : undefined),
        outlineStyle: color || isSelected ? 'solid' : undefined,
      }}
      onPointerDown={(e) => {
        e.stopPropagation();
        if (!isSelected) select(layer.id);
        if (mine) {
          e.currentTarget.setPointerCapture(e.pointerId);
          setDrag({ dx: 0, dy: 0, x0: e.clientX, y0: e.clientY });
        }
      }}
      onPointerMove={(e) => {
        if (!drag) return;
        // The move is sent on release: until then, dragging is what keeps the hold.
        touch();
        setDrag({ ...drag, dx: e.clientX - drag.x0, dy: e.clientY - drag.y0 });
      }}
      onPointerUp={() => {
        if (drag && (drag.dx !== 0 || drag.dy !== 0)) move(layer.x + drag.dx, layer.y + drag.dy);
        setDrag(undefined);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select(isSelected ? undefined : layer.id);
          return;
        }
        if (e.key === 'Escape') return select(undefined);
        if (!mine) return;
        const step = e.shiftKey ? 20 : 4;
        const delta: Record<string, [number, number]> = {
          ArrowLeft: [-step, 0],
          ArrowRight: [step, 0],
          ArrowUp: [0, -step],
          ArrowDown: [0, step],
        };
        const d = delta[e.key];
        if (d) {
          e.preventDefault();
          move(layer.x + d[0], layer.y + d[1]);
        }
      }}
    >
      {holderName ? (
        <span className="frame-label" style={{ background: color }}>
          {holderName}
        </span>
      ) : null}
    </div>
  );
}
