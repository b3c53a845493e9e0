import { LwwMirror } from './lww-mirror.js';
import { OpsMirror } from './ops-mirror.js';

// The mirrors' earlier names, kept so code written against them still compiles. `@tandem/room`
// has classes of these names too (the room's own documents), which is why the mirrors were renamed.

/** @deprecated Use {@link LwwMirror}. */
export const LwwDocument = LwwMirror;
/** @deprecated Use {@link LwwMirror}. */
export type LwwDocument = LwwMirror;

/** @deprecated Use {@link OpsMirror}. */
export const OpsDocument = OpsMirror;
/** @deprecated Use {@link OpsMirror}. */
export type OpsDocument<S = unknown, O = unknown> = OpsMirror<S, O>;
