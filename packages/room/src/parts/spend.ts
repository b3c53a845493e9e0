import { ErrorCode } from '@tandem/protocol';
import type { Connection } from '../connection.js';
import type { RoomContext } from '../context.js';
import type { BudgetKind } from '../options.js';

// Apart from the buckets (budget.ts), which every connection holds, so a connection's module does
// not import the room context that spending needs.

/**
 * Takes one message of `kind` from `conn`'s budget. False means the message is dropped: its sender
 * is told (a request always, a stream at most once a second) or, when flooding, closed.
 */
export function spend(ctx: RoomContext, conn: Connection, kind: BudgetKind, rid: number): boolean {
  const verdict = conn.budgets.take(kind, ctx.clock.now());
  if (verdict === 'ok') return true;
  // A dropped request (it carries a rid) is always answered, or its sender would wait forever.
  if (verdict === 'flood') ctx.fatal(conn, ErrorCode.Flood);
  else if (verdict === 'drop-and-tell' || rid !== 0) {
    const message = `over the ${kind} budget of ${ctx.limits.budgets[kind]}/s; dropped`;
    ctx.refuse(conn, ErrorCode.RateLimited, rid, message);
  }
  return false;
}
