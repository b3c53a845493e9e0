import { SignJWT } from 'jose';

/** The secret the test app signs its tokens with, and the server verifies them with. */
export const APP_SECRET = 'an-app-secret-of-at-least-32-bytes!!';

/** A token the app signs for `sub`, granting `rooms` in its `tandem.rooms` claim. */
export function appToken(sub: string, rooms: Record<string, string>): Promise<string> {
  return new SignJWT({ sub, name: sub, tandem: { rooms } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(APP_SECRET));
}
