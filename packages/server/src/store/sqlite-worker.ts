// Runs a SqliteRoomStore on its own thread for SqliteWorkerStore: every call arrives as a message,
// is applied in arrival order, and is answered once done (writes once their group commit is).
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteRoomStore } from './sqlite-store.js';
import type { StoreCall, StoreReply, WorkerOptions } from './sqlite-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('sqlite-worker must run as a worker thread');
const options = workerData as WorkerOptions;
// Stamps come with each write from the main thread's clock, so rooms' times follow the server's.
let stamp = Date.now();
const store = new SqliteRoomStore({ ...options, now: () => stamp });

function answer(id: number, work: () => Promise<unknown>): void {
  work().then(
    (value) => port!.postMessage({ id, ok: true, value } satisfies StoreReply),
    (error: unknown) =>
      port!.postMessage({
        id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      } satisfies StoreReply),
  );
}

port.on('message', (call: StoreCall) => {
  switch (call.op) {
    case 'load':
      return answer(call.id, () => store.load(call.roomId));
    case 'write':
      stamp = call.now;
      return answer(call.id, () => store.write(call.roomId, call.writes));
    case 'delete':
      return answer(call.id, () => store.delete(call.roomId));
    case 'roomIdForJoinCode':
      return answer(call.id, () => store.roomIdForJoinCode(call.code));
    case 'hostedRooms':
      return answer(call.id, () => store.hostedRooms(call.userId));
    case 'listUntouchedSince':
      return answer(call.id, () => store.listUntouchedSince(call.cutoff, call.limit));
    case 'deleteIfUntouchedSince':
      return answer(call.id, () => store.deleteIfUntouchedSince(call.roomId, call.cutoff));
    case 'close':
      // Closing commits what is queued; those writes' answers go out (on microtasks) first.
      store.close();
      setImmediate(() => {
        port.postMessage({ id: call.id, ok: true, value: undefined } satisfies StoreReply);
        port.close();
      });
      return;
  }
});
