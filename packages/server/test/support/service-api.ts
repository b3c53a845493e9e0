import type { Endpoint } from './server.js';

/** A service key long enough for the server to accept. */
export const SERVICE_KEY = 'service-key-for-tests-0123456789abcdef';

export interface ServiceReply {
  status: number;
  body: Record<string, unknown>;
}

/** A call to the service API with `key` (the service key unless given) as its bearer credential. */
export async function serviceCall(
  server: Endpoint,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  key: string | null = SERVICE_KEY,
): Promise<ServiceReply> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** `GET /rooms/<id>/document`. */
export function readDocument(server: Endpoint, roomId: string, key?: string | null): Promise<ServiceReply> {
  return serviceCall(server, 'GET', `/rooms/${roomId}/document`, undefined, key);
}

/** `PUT /rooms/<id>/document` with `doc` as base64. */
export function replaceDocument(
  server: Endpoint,
  roomId: string,
  mode: string,
  doc: Uint8Array,
  key?: string | null,
): Promise<ServiceReply> {
  return serviceCall(server, 'PUT', `/rooms/${roomId}/document`, { mode, document: b64(doc) }, key);
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function unb64(text: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(text as string, 'base64'));
}
