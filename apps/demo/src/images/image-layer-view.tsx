import type { CSSProperties } from 'react';
import type { ImageRef, Layer } from '../canvas.js';
import { useLocalImage } from './image-store.js';

/**
 * An image layer as this device draws it: its own copy of the file, or, without one, a placeholder
 * naming the file and whose device it is on (the strip above the canvas offers the ways forward).
 * The canvas's adjustments and filter apply to it as to every layer.
 */
export function ImageLayerView({ layer, style }: { layer: Layer; style: CSSProperties }) {
  if (!layer.image) {
    // Image layers from before images were real.
    return (
      <div className="layer image" style={{ ...style, borderColor: layer.color }}>
        <span>Image · {layer.name}</span>
      </div>
    );
  }
  return <LocalImageView image={layer.image} style={style} />;
}

function LocalImageView({ image, style }: { image: ImageRef; style: CSSProperties }) {
  const local = useLocalImage(image.hash);
  if (local.status === 'here') {
    return (
      <img
        className="layer image-pixels"
        src={local.url}
        alt={image.name}
        data-hash={image.hash}
        draggable={false}
        style={style}
      />
    );
  }
  return (
    <div
      className="layer image image-missing"
      data-hash={image.hash}
      data-status={local.status}
      style={style}
    >
      {local.status === 'missing' ? <span>{whereIs(image)}</span> : null}
    </div>
  );
}

/** "photo.jpg is on Ada's device". */
export function whereIs(image: ImageRef): string {
  return `${image.name} is on ${image.by ? `${image.by}'s` : 'another'} device`;
}
