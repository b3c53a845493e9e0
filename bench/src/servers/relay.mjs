// The floor: a minimal ws relay. Rooms by URL path; each binary message goes to the room's other sockets.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const rooms = new Map();
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const name = req.url ?? '/';
  let room = rooms.get(name);
  if (!room) {
    room = new Set();
    rooms.set(name, room);
  }
  room.add(ws);
  ws.on('message', (data, isBinary) => {
    for (const other of room)
      if (other !== ws && other.readyState === 1) other.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0) rooms.delete(name);
  });
});
wss.on('listening', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
