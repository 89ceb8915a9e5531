// The floor for the router push receiver: read one HTTP request head from the
// connection on stdin (as systemd's Accept=yes hands it) and answer it, with node:net
// and nothing else.
const { Socket } = require("node:net");
const conn = new Socket({ fd: 0, readable: true, writable: true, allowHalfOpen: true });
let head = "";
conn.on("data", (d) => {
  head += d;
  if (head.includes("\r\n\r\n")) conn.end("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nconnection: close\r\n\r\ngood\n");
});
conn.on("close", () => process.exit(0));
