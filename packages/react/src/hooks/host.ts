'use client';

import type { HostedSession, HostOptions } from '@tandem/client';
import { useCallback } from 'react';
import { useClient } from '../context.js';

/**
 * Starts sessions hosted by the signed-in user, through the nearest `TandemProvider`'s client: a
 * stable function taking {@link HostOptions}, the document in hand (`initialDocument`) among them,
 * so collaboration starts from what the user is editing.
 *
 * @throws outside a `TandemProvider`.
 * @example
 * const host = useHost();
 * const share = async () => setSession(await host({ docMode: 'lww', initialDocument: { json: lesson } }));
 */
export function useHost(): (options?: HostOptions) => Promise<HostedSession> {
  const client = useClient();
  return useCallback((options?: HostOptions) => client.host(options), [client]);
}
