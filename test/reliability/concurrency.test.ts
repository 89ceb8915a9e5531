import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { dirname } from "node:path";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { assertNoSecrets, secretScanStats } from "../helpers/secrets.js";
import { fixture, staticIpv4, TOKEN, ZONE } from "./fixture.js";

const RUNS = 10;
const NAME = "home.example.org";

describe("Reliability - ten ddns run at once", () => {
  let cf: CloudflareServer;
  before(async () => {
    // Slow answers keep the first run inside its updates while the others start.
    cf = await startCloudflareServer({ token: TOKEN, zones: [ZONE], delayMs: 200 });
  });
  after(() => cf.close());

  for (const phase of ["first push", "address change"] as const) {
    it(`${phase}/${RUNS} runs started together/one set of provider requests, the others wait or step aside, state valid`, async () => {
      const f = await fixture({ endpoint: cf.url, ipv4: staticIpv4("198.51.100.70") });
      if (phase === "address change") {
        assert.equal((await f.run()).code, 0);
        await f.writeConfig(staticIpv4("198.51.100.71"));
      }
      const want = phase === "first push" ? "198.51.100.70" : "198.51.100.71";
      const n = cf.count();
      const results = await Promise.all(Array.from({ length: RUNS }, () => f.run()));
      for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
      const sent = cf.requests.slice(n);
      const writes = sent.filter((q) => q.method !== "GET");
      // One run's set: the zone (home.example.org, then example.org), the list and a
      // POST for a first push; one PATCH with cached ids. No request twice.
      assert.deepEqual(
        sent.map((q) => `${q.method} ${q.path}${q.query["name"] ? `?name=${q.query["name"]}` : ""}`),
        phase === "first push"
          ? ["GET /zones?name=home.example.org", "GET /zones?name=example.org", `GET /zones/${ZONE.id}/dns_records?name=home.example.org`, `POST /zones/${ZONE.id}/dns_records`]
          : [`PATCH /zones/${ZONE.id}/dns_records/${cf.records().find((x) => x.name === NAME)?.id ?? ""}`],
        `requests: ${sent.map((q) => `${q.method} ${q.path}`).join(", ")}`,
      );
      assert.equal(writes.length, 1);
      const updated = results.filter((r) => r.stdout.includes("now points to"));
      assert.equal(updated.length, 1, "exactly one run did the update");
      const aside = results.filter((r) => /another ddns run \(pid \d+\) is in progress/.test(r.stderr)).length;
      assert.deepEqual(cf.records().filter((x) => x.name === NAME && x.type === "A").map((x) => x.content), [want]);
      assert.deepEqual((await f.state())?.records[`${NAME}/ipv4`]?.published, [want]);
      // No temp file left: state.json, and the idle seal if a late run found nothing to do.
      assert.deepEqual((await readdir(f.stateDir)).filter((x) => x !== "idle.json"), ["state.json"]);
      assert.ok(!(await readdir(dirname(f.eventsDir))).includes("ddns.lock"), "the lock is released");
      assert.deepEqual(cf.violations(), []);
      await assertNoSecrets([TOKEN], { stdout: results.map((r) => r.stdout).join(""), stderr: results.map((r) => r.stderr).join(""), dirs: [f.stateDir, dirname(f.eventsDir)] });
      console.log(`# concurrency ${phase}: ${RUNS} runs, ${sent.length} request(s) (${sent.map((q) => q.method).join(" ")}), ${aside} stepped aside, ${RUNS - 1 - aside} waited and found nothing to do`);
    });
  }
});

process.on("exit", () => {
  const s = secretScanStats();
  console.log(`# secrets concurrency: ${s.scans} scans, ${s.bytes} bytes, ${s.secrets} distinct secrets, 0 found`);
});
