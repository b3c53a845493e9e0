import type { CSSProperties } from 'react';
import type { SceneId } from './canvas-model.js';

// A scene travels as its name; each device draws it with CSS gradients over the background
// colour, so it costs no bytes and is the same everywhere.

/** The name of each scene, as the Canvas panel offers it. */
export const SCENE_LABELS: Record<SceneId, string> = {
  none: 'Plain colour',
  studio: 'Studio',
  sunset: 'Sunset',
  grid: 'Grid',
};

const LINE = 'rgb(31 35 48 / 14%)';

/** How the backdrop of the canvas is drawn: the background colour, and the scene over it. */
export function sceneStyle(scene: SceneId | undefined, background: string): CSSProperties {
  switch (scene ?? 'none') {
    case 'studio':
      // A lit backdrop curving into a floor: bright where the light falls, shaded at the edges.
      return {
        backgroundColor: background,
        backgroundImage: [
          'radial-gradient(90% 75% at 50% 30%, rgb(255 255 255 / 85%), rgb(255 255 255 / 0%) 70%)',
          'linear-gradient(180deg, rgb(0 0 0 / 0%) 68%, rgb(0 0 0 / 12%) 68.5%, rgb(0 0 0 / 4%) 100%)',
          'radial-gradient(140% 120% at 50% 40%, rgb(0 0 0 / 0%) 55%, rgb(0 0 0 / 22%) 100%)',
        ].join(', '),
      };
    case 'sunset':
      return {
        backgroundColor: background,
        backgroundImage: [
          'radial-gradient(28% 36% at 50% 74%, rgb(255 236 179 / 95%), rgb(255 200 120 / 0%) 100%)',
          'linear-gradient(180deg, #2b1b4f 0%, #7b2d73 34%, #d9486b 58%, #f6975a 78%, #ffd08a 100%)',
        ].join(', '),
      };
    case 'grid':
      return {
        backgroundColor: background,
        backgroundImage: `linear-gradient(${LINE} 1px, transparent 1px), linear-gradient(90deg, ${LINE} 1px, transparent 1px)`,
        backgroundSize: '24px 24px',
      };
    case 'none':
      return { backgroundColor: background };
  }
}
