// The same request through undici 7 (the HTTP client the project was asked to
// consider): what a run would cost had we used it. argv: METHOD URL HEADERS_JSON [BODY]
import { request } from "undici";
const [method, url, headers, body] = process.argv.slice(2);
const res = await request(url, { method, headers: JSON.parse(headers), body });
await res.body.text();
process.exit(res.statusCode === 200 ? 0 : 1);
