import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createVultr } from "../../../src/provider/vultr/vultr.js";
import { startVultr } from "../../helpers/vultr-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const KEY = "EXAMPLEKEY4RBAVMVP2KQ3FNN5DKZN7UXPDQ";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("vultr", { api_key: KEY, endpoint: `${m.url}/v2`, ...values }, ["api_key"]), (s) => createVultr(s, testDeps()), [KEY]);

describe("Provider - vultr", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("record on a later page/push with zone set/follows the cursor, PATCH answers 204", async () => {
    const filler = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, type: "A", value: `192.0.2.${i + 1}` }));
    mock = await startVultr(KEY, "example.org", [...filler, { name: "home", type: "A", value: "203.0.113.1" }], 2);
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(5000));
    const o = out.get("home.example.org/ipv4");
    assert.equal(o?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.query.get("cursor") ?? "-"}`), ["GET -", "GET 2", "GET 4", "PATCH -"]);
    assert.deepEqual(JSON.parse(mock.requests[3]!.body), { data: "203.0.113.7" });
    assert.match(o?.kind === "updated" ? (o.cache?.["records"] ?? "") : "", /^[0-9a-f-]{36}=203\.0\.113\.7$/);
  });
});

recordApiSuite({
  type: "vultr",
  start: (seed) => startVultr(KEY, "example.org", seed),
  provider,
  secrets: [KEY, "WRONGKEY0000000000"],
  badCredentials: { api_key: "WRONGKEY0000000000" },
  keyHint: /\(HTTP 401: Invalid API token\.\): check api_key in \[providers\.home\]/,
  rateLimit: { status: 429, headers: { "retry-after": "2" }, body: { error: "Rate limit reached - please try your request again later.", status: 429 } },
  retryAfterMs: 2000,
  garbage: [
    { status: 200, body: "" },
    { status: 200, body: { domain: "example.org" } },
    { status: 503, body: { error: "Service Unavailable", status: 503 } },
  ],
});
