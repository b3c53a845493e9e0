import { createContext, useContext } from 'react';
import type { CanvasOp, CanvasState } from './canvas-model.js';

// Apart from the session screen that provides it, so the panels it renders can read it without
// importing their own parent.

/** What every panel of the editor shares: the canvas, how to edit it, the selection. */
export interface EditorApi {
  state: CanvasState;
  /** Queues an op; `key` merges rapid changes of the same property (sliders). */
  edit(op: CanvasOp, resource?: string, key?: string): void;
  selected: string | undefined;
  select(layer: string | undefined): void;
  notify(message: string): void;
  /** This person is a viewer: the canvas and every control that edits are read-only. */
  readOnly: boolean;
  /** This person's tool on the canvas: selecting layers, or drawing strokes. Not shared. */
  tool: Tool;
  setTool(tool: Tool): void;
}

export type Tool = 'select' | 'brush';

export const EditorContext = createContext<EditorApi | null>(null);

/** The editor the calling panel is inside. */
export function useEditor(): EditorApi {
  const api = useContext(EditorContext);
  if (!api) throw new Error('useEditor outside <Editor>');
  return api;
}
