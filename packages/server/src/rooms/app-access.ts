import { ErrorCode } from '@tandem/protocol';
import type { Access } from '@tandem/room';
import { accessFromGrants, type VerifiedIdentity } from '../auth/index.js';
import { Refusal } from '../refusal.js';
import type { AuthorizeHook } from './app-rooms.js';

/** How the app says who may use its rooms. */
export interface AppAccessOptions {
  /** The embedding app's hook, asked when the token's claim does not name the room. */
  authorize?: AuthorizeHook | undefined;
  /** How long the hook may take. */
  timeoutMs: number;
  /** Told of a hook that threw or answered nonsense, for the server's log. */
  onHookFailure?: (error: unknown, roomName: string) => void;
}

/**
 * What `identity` may do in the app room `name`: its token's `tandem.rooms` claim when a pattern
 * matches, else the app's `authorize` hook. Guest tokens (this server's own) carry no claim the
 * app signed: only the hook can let a guest in.
 *
 * @throws Refusal `Forbidden` for no access or a malformed claim, `Internal` for a hook that
 *   throws, answers something else than `read`, `write` or undefined, or does not answer in time.
 */
export async function appAccess(
  identity: VerifiedIdentity,
  name: string,
  options: AppAccessOptions,
): Promise<Access> {
  const grants = identity.guest ? undefined : identity.claims.rooms;
  if (grants?.kind === 'malformed')
    throw new Refusal(ErrorCode.Forbidden, `the token's room claim grants nothing: ${grants.problem}`);
  const claimed = grants?.kind === 'grants' ? accessFromGrants(grants.patterns, name) : undefined;
  if (claimed !== undefined) return claimed;
  const hooked = options.authorize ? await askHook(options, options.authorize, identity, name) : undefined;
  if (hooked !== undefined) return hooked;
  throw new Refusal(ErrorCode.Forbidden, `no access to room ${name}`);
}

async function askHook(
  options: AppAccessOptions,
  authorize: AuthorizeHook,
  identity: VerifiedIdentity,
  name: string,
): Promise<Access | undefined> {
  const { timeoutMs } = options;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Refusal(ErrorCode.Internal, `the app's authorize hook did not answer within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  let answer: unknown;
  try {
    // Called inside the promise chain, so a hook that throws synchronously is caught here too.
    answer = await Promise.race([Promise.resolve().then(() => authorize(identity, name)), timedOut]);
  } catch (error) {
    options.onHookFailure?.(error, name);
    if (error instanceof Refusal) throw error;
    throw new Refusal(ErrorCode.Internal, "the app's authorize hook failed");
  } finally {
    clearTimeout(timer);
  }
  if (answer === undefined || answer === 'read' || answer === 'write') return answer;
  options.onHookFailure?.(new Error(`answered ${String(answer)}`), name);
  throw new Refusal(
    ErrorCode.Internal,
    `the app's authorize hook answered ${JSON.stringify(String(answer)).slice(0, 40)}; expected "read", "write" or undefined`,
  );
}
