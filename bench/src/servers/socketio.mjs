// Socket.IO 4: the room comes in the handshake query; a cursor is relayed with socket.to(room).emit.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room);
  socket.join(room);
  socket.on('c', (cursor) => socket.to(room).emit('c', cursor));
});
http.listen(port, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
