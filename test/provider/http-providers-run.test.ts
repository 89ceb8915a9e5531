import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDigitalocean } from "../helpers/digitalocean-server.js";
import { startGandi } from "../helpers/gandi-server.js";
import { runDdns, type DdnsResult } from "../helpers/ddns.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import type { SuiteMock } from "../helpers/record-api-suite.js";

/**
 * Whole `ddns run` processes against two HTTP providers' mocks: the first run finds
 * the zone and record, a run with nothing new sends nothing, and a changed address
 * costs one request because the ids (or the published set) come back from state.
 */
const SECRET = "e2e-secret-token-7f3a9c";
const WRONG = "e2e-wrong-token-0b1d2e";

async function scenario(type: string, mock: SuiteMock, endpoint: string) {
  const dir = await mkdtemp(join(tmpdir(), "ddns-http-e2e-"));
  const config = (addr: string) =>
    writeFile(
      join(dir, "ddns.toml"),
      `[ipv4]\nsources = ["static"]\naddress = "${addr}"\n[ipv6]\nenabled = false\n` +
        `[providers.p]\ntype = "${type}"\ntoken_file = "${join(dir, "token")}"\nendpoint = "${endpoint}"\n` +
        `[[records]]\nname = "home.example.org"\nprovider = "p"\nfamilies = ["ipv4"]\n`,
    );
  // What each process showed and left behind (not the token file and config the test wrote) is scanned for the token.
  const scan = (r: DdnsResult) => assertNoSecrets([SECRET, WRONG], { stdout: r.stdout, stderr: r.stderr, dirs: [join(dir, "state"), join(dir, "events")] });
  const run = async () => {
    const r = await runDdns(["run", "--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "events")]);
    await scan(r);
    const seen = mock.requests.splice(0).map((q) => `${q.method} ${q.path}`);
    return { code: r.code, seen, stderr: r.stderr };
  };
  try {
    await config("203.0.113.7");
    await writeFile(join(dir, "token"), `${WRONG}\n`);
    const refused = await runDdns(["check", "--online", "--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "events")]);
    assert.notEqual(refused.code, 0, refused.stdout + refused.stderr);
    assert.match(refused.stdout + refused.stderr, /token/);
    await scan(refused);
    await writeFile(join(dir, "token"), `${SECRET}\n`);
    const check = await runDdns(["check", "--online", "--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "events")]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    await scan(check);
    mock.requests.length = 0;
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    const idle = await run();
    assert.deepEqual([idle.code, idle.seen], [0, []]);
    await config("203.0.113.9");
    const change = await run();
    assert.equal(change.code, 0, change.stderr);
    assert.deepEqual(mock.stored().filter((r) => r.name === "home").map((r) => r.value), ["203.0.113.9"]);
    assert.deepEqual(mock.violations, []);
    return { first: first.seen, change: change.seen };
  } finally {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe("Provider - HTTP providers through ddns run", () => {
  it("digitalocean/run, idle run, changed run/4 requests, none, one PATCH", async () => {
    const mock = await startDigitalocean(SECRET, "example.org", [{ type: "A", name: "home", data: "203.0.113.1", ttl: 1800 }]);
    const { first, change } = await scenario("digitalocean", mock, `${mock.url}/v2`);
    assert.equal(first.length, 4);
    assert.deepEqual(change, [`PATCH /v2/domains/example.org/records/${mock.records[0]!.id}`]);
  });

  it("gandi/run, idle run, changed run/probe+read+PUT, none, one PUT", async () => {
    const mock = await startGandi(SECRET, "example.org", [{ name: "home", type: "A", value: "203.0.113.1" }]);
    const { first, change } = await scenario("gandi", mock, `${mock.url}/v5/livedns`);
    assert.equal(first.at(-1), "PUT /v5/livedns/domains/example.org/records/home/A");
    assert.deepEqual(change, ["PUT /v5/livedns/domains/example.org/records/home/A"]);
  });
});
