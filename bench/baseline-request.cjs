// The floor for an update run: the same single HTTP request ddns sends, written
// with node:http and nothing else. argv: METHOD URL HEADERS_JSON [BODY]
const http = require("node:http");
const [method, url, headers, body] = process.argv.slice(2);
const req = http.request(url, { method, headers: JSON.parse(headers) }, (res) => {
  res.resume();
  res.on("end", () => {
    if (res.statusCode !== 200) process.stderr.write(`HTTP ${res.statusCode} ${method} ${url}\n`);
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
});
req.on("error", () => process.exit(2));
req.end(body);
