import { ERRORS, ErrorCode } from '@tandem/protocol';

/**
 * The close code a y-websocket client is refused with. y-websocket's provider reconnects on every
 * close except codes 4400–4499, which it takes as final (it stops and emits `closed`). So a refusal
 * a retry cannot help (not admitted, declined, removed, room full, bad token, an edit over the
 * document cap) closes with `4400 + code`, and one a retry can help (token expired, shutdown, a
 * dropped edit the next handshake resends) with Tandem's usual `4000 + code`.
 */
export function yCloseCode(code: ErrorCode): number {
  return ERRORS[code]?.retry || code === ErrorCode.RateLimited ? 4000 + code : 4400 + code;
}

/** The Tandem error code a y-websocket close code carries, if it is one of ours. */
export function errorOfYCloseCode(closeCode: number): ErrorCode | undefined {
  const code = closeCode >= 4400 && closeCode < 4500 ? closeCode - 4400 : closeCode - 4000;
  return code > 0 && code in ERRORS ? (code as ErrorCode) : undefined;
}
