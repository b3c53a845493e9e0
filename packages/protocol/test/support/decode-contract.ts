import { DecodeError, type DecodeErrorReason, decode, encode, type Message } from '../../src/index.js';
import { DECODE_ERROR_REASONS, toHex } from './frames.js';

/**
 * The decoder's contract on any bytes: a frame decodes to a message that re-encodes to a fixed
 * point, or is rejected with a `DecodeError` naming a known reason and an offset within the frame.
 */
export interface Outcome {
  decoded: number;
  rejected: number;
  reasons: Map<DecodeErrorReason, number>;
  violations: string[];
}

/** Decodes `frame` and records how it went; anything outside the contract is a violation. */
export function checkFrame(frame: Uint8Array, outcome: Outcome): void {
  let message: Message;
  try {
    message = decode(frame);
  } catch (error) {
    outcome.rejected++;
    if (!(error instanceof DecodeError)) {
      outcome.violations.push(`${toHex(frame)}: threw ${String(error)}`);
    } else if (!DECODE_ERROR_REASONS.includes(error.reason)) {
      outcome.violations.push(`${toHex(frame)}: unknown reason ${error.reason}`);
    } else if (!Number.isInteger(error.offset) || error.offset < 0 || error.offset > frame.length) {
      outcome.violations.push(`${toHex(frame)}: offset ${error.offset} outside 0..${frame.length}`);
    } else {
      outcome.reasons.set(error.reason, (outcome.reasons.get(error.reason) ?? 0) + 1);
    }
    return;
  }
  outcome.decoded++;
  try {
    // A decoded message is a valid message: it re-encodes, and that encoding is a fixed point.
    const again = encode(message);
    if (toHex(encode(decode(again))) !== toHex(again)) {
      outcome.violations.push(`${toHex(frame)}: re-encoding is not stable`);
    }
  } catch (error) {
    outcome.violations.push(`${toHex(frame)}: decoded, but re-encoding threw ${String(error)}`);
  }
}

export function newOutcome(): Outcome {
  return { decoded: 0, rejected: 0, reasons: new Map(), violations: [] };
}
