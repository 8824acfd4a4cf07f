// The naive node.js reverse proxy of issue 11, a peer of pushback's proxy for jmh/proxy-memory.sh
// (and jmh/proxy-bench.sh): http.createServer, and for each request one http.request to the
// upstream with the same method, path and headers, the request body piped to it. The response
// goes back with upstreamRes.on('data', d => res.write(d)), which ignores write()'s return value:
// nothing stops reading the upstream while the client cannot take the bytes, so a slow client
// makes this proxy buffer whatever the upstream sends. Connections to the upstream are kept alive
// (an http.Agent with keepAlive), as nginx's "keepalive 64" does.
//
// node jmh/http/node-proxy.js --upstream http://127.0.0.1:PORT [--host H] [--port P]
//   prints "listening on HOST:PORT"
'use strict';
const http = require('http');

let host = '127.0.0.1';
let port = 8080;
let upstream;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--host') host = args[++i];
  else if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--upstream') upstream = new URL(args[++i]);
  else { console.error(`unknown option '${args[i]}'`); process.exit(2); }
}
if (!upstream) { console.error('--upstream http://HOST:PORT is required'); process.exit(2); }

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
  const upstreamReq = http.request({
    host: upstream.hostname,
    port: upstream.port || 80,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent,
  }, (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode, upstreamRes.headers);
    upstreamRes.on('data', (d) => res.write(d));
    upstreamRes.on('end', () => res.end());
  });
  upstreamReq.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(upstreamReq);
});
server.listen(port, host, () => {
  const bound = server.address();
  console.log(`listening on ${bound.address}:${bound.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
