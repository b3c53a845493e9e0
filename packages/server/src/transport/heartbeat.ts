import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Pings every socket each interval; a socket that has not answered the previous ping is
 * terminated. A half-open peer is therefore gone within two intervals, and its `close` removes its
 * presence from the room like any other leave.
 */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number): () => void {
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
