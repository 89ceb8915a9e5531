import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFaultServer, RETRY_AFTER_S, type Fault } from "../helpers/fault-server.js";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { assertNoSecrets, secretScanStats } from "../helpers/secrets.js";
import { DEFAULT_DEADLINE_MS } from "../../src/net/http.js";
import { BACKOFF_BASE_MS } from "../../src/engine/backoff.js";
import { CLOUDFLARE_429_WAIT_MS } from "../../src/provider/cloudflare/cloudflare.js";
import { fixture, staticIpv4, TOKEN, ZONE } from "./fixture.js";

/** Process start, module load and a busy machine, on top of the request deadline. */
const SLACK_MS = 8000;

interface Expect {
  code: number;
  /** Lower and upper bound of retryAt - start, ms (transient), or "latched". */
  after: [number, number] | "latched";
  /** A line of stderr. */
  says: RegExp;
}

const BACKOFF: [number, number] = [BACKOFF_BASE_MS * 0.8 - 1000, BACKOFF_BASE_MS * 1.2 + 20_000];
const PROVIDER_FAULTS: Record<Exclude<Fault, "echo-html" | "echo-private">, Expect> = {
  refused: { code: 75, after: BACKOFF, says: /connection refused/ },
  hang: { code: 75, after: BACKOFF, says: /no complete answer within/ },
  trickle: { code: 75, after: BACKOFF, says: /no complete answer within/ },
  "500": { code: 75, after: BACKOFF, says: /HTTP 500/ },
  "502": { code: 75, after: BACKOFF, says: /HTTP 502/ },
  "503": { code: 75, after: BACKOFF, says: /HTTP 503/ },
  // Cloudflare: "If you exceed this limit, all API calls for the next five minutes will be
  // blocked, receiving a HTTP 429 response" (developers.cloudflare.com/fundamentals/api/reference/limits/):
  // a 429 without Retry-After waits those five minutes, not the ordinary backoff.
  "429": { code: 75, after: [CLOUDFLARE_429_WAIT_MS, CLOUDFLARE_429_WAIT_MS + 30_000], says: /rate-limited.*HTTP 429/ },
  "429-retry-after": { code: 75, after: [RETRY_AFTER_S * 1000, RETRY_AFTER_S * 1000 + 30_000], says: /rate-limited.*HTTP 429/ },
  "malformed-json": { code: 75, after: BACKOFF, says: /malformed body/ },
  "truncated-json": { code: 75, after: BACKOFF, says: /closed before the answer was complete/ },
  huge: { code: 75, after: BACKOFF, says: /larger than \d+ bytes/ },
  "tls-untrusted": { code: 75, after: BACKOFF, says: /TLS failed/ },
  "redirect-http": { code: 75, after: BACKOFF, says: /HTTP 301/ },
};

/** Figures for RELIABILITY.md: one line per fault. */
const table: string[] = [];

describe("Reliability - provider faults through ddns run", { concurrency: 4 }, () => {
  after(() => {
    for (const line of table) console.log(`# fault ${line}`);
  });
  for (const [fault, expect] of Object.entries(PROVIDER_FAULTS) as Array<[Fault, Expect]>) {
    it(`provider ${fault}/run/exit ${expect.code}, one request at most, backoff persisted, then silence`, async () => {
      const server = await startFaultServer(fault);
      try {
        const f = await fixture({ endpoint: `${server.url}/client/v4`, ipv4: staticIpv4("198.51.100.20") });
        const start = Date.now();
        const r = await f.run();
        assert.equal(r.code, expect.code, r.stdout + r.stderr);
        assert.ok(r.ms < DEFAULT_DEADLINE_MS + SLACK_MS, `the run took ${Math.round(r.ms)} ms`);
        assert.match(r.stderr, expect.says);
        assert.ok(server.count() <= 1, `${server.count()} requests: a failed run must not retry in place`);
        const st = await f.state();
        const rec = st?.records["home.example.org/ipv4"];
        assert.ok(rec, "the failure is persisted");
        assert.deepEqual(rec.published, null, "nothing is recorded as published");
        if (expect.after === "latched") {
          assert.ok(rec.latched);
        } else {
          assert.equal(rec.failures, 1);
          const wait = (rec.retryAt ?? 0) - start;
          assert.ok(wait >= expect.after[0] && wait <= expect.after[1], `retry after ${wait} ms, not in ${expect.after.join("..")}`);
        }
        const n = server.count();
        const again = await f.run();
        assert.equal(again.code, 0, again.stderr);
        assert.equal(server.count(), n, "a run inside the backoff (or latch) sends nothing");
        await assertNoSecrets([TOKEN], { stdout: r.stdout + again.stdout, stderr: r.stderr + again.stderr, dirs: [f.stateDir] });
        table.push(`${fault}: exit ${r.code} in ${Math.round(r.ms)} ms, ${n} request(s), retry in ${Math.round(((rec.retryAt ?? start) - start) / 1000)} s; next run exit ${again.code}, 0 requests`);
      } finally {
        await server.close();
      }
    });
  }
});

describe("Reliability - echo service faults through ddns run", { concurrency: 4 }, () => {
  let cf: CloudflareServer;
  before(async () => {
    cf = await startCloudflareServer({ token: TOKEN, zones: [ZONE] });
  });
  after(async () => {
    await cf.close();
    for (const line of table.filter((l) => l.startsWith("echo"))) console.log(`# fault ${line}`);
  });
  const ECHO_FAULTS: Fault[] = ["refused", "hang", "trickle", "503", "huge", "tls-untrusted", "redirect-http", "echo-html", "echo-private", "malformed-json"];
  for (const fault of ECHO_FAULTS) {
    it(`echo ${fault}/run/address unavailable: nothing published, no provider request`, async () => {
      const server = await startFaultServer(fault);
      try {
        const f = await fixture({ endpoint: cf.url, ipv4: `sources = ["http"]\nurls = ["${server.url}/ip"]\ntimeout = 2` });
        const before = cf.count();
        const r = await f.run();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(r.ms < 2000 + SLACK_MS, `the run took ${Math.round(r.ms)} ms`);
        assert.ok(server.count() <= 1, `${server.count()} requests to the echo service`);
        assert.equal(cf.count(), before, "no provider request without an address");
        assert.ok(!cf.records().some((x) => x.name === "home.example.org"), "no address was published");
        const st = await f.state();
        assert.equal(st?.records["home.example.org/ipv4"]?.published ?? null, null);
        await assertNoSecrets([TOKEN], { stdout: r.stdout, stderr: r.stderr, dirs: [f.stateDir], texts: server.seen });
        table.push(`echo ${fault}: exit ${r.code} in ${Math.round(r.ms)} ms, ${server.count()} echo request(s), 0 provider requests, nothing published`);
      } finally {
        await server.close();
      }
    });
  }
});

process.on("exit", () => {
  const s = secretScanStats();
  console.log(`# secrets faults: ${s.scans} scans, ${s.bytes} bytes, ${s.secrets} distinct secrets, 0 found`);
});
