// The node.js peer of `echo-server` for jmh/http-bench.sh and jmh/slow-consumer.sh: the
// http.createServer echo of shared/seeds/pushback.md, with the same semantics as ours. A request
// with a body gets 200 and its bytes back as they arrive (chunked if the request was chunked, else
// with its Content-Length); a request without one gets "Hello, World!". As in the seed,
// res.write() ignores its return value: nothing stops reading the upload while the response
// cannot be sent, so a client that does not read makes this server buffer everything.
//
// node jmh/http/node-echo.js [--host H] [--port P]     prints "listening on HOST:PORT"
'use strict';
const http = require('http');

let host = '127.0.0.1';
let port = 8080;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--host') host = args[++i];
  else if (args[i] === '--port') port = Number(args[++i]);
  else { console.error(`unknown option '${args[i]}'`); process.exit(2); }
}

const server = http.createServer((req, res) => {
  const chunked = /chunked/i.test(req.headers['transfer-encoding'] || '');
  const length = req.headers['content-length'];
  if (chunked || (length !== undefined && Number(length) > 0)) {
    // without a Content-Length node answers chunked, as the request was
    res.writeHead(200, chunked ? {} : { 'Content-Length': length });
    req.on('data', (d) => res.write(d));
    req.on('end', () => res.end());
  } else {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '13' });
    res.end('Hello, World!');
  }
});
server.listen(port, host, () => {
  const bound = server.address();
  console.log(`listening on ${bound.address}:${bound.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
