import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHttpClient } from "../../src/net/http.js";
import { createHttpSource, parseEchoBody } from "../../src/ip-source/http.js";
import { detectAll } from "../../src/ip-source/detect.js";
import type { HttpClient } from "../../src/net/types.js";
import { startEchoServer, type EchoServer } from "../helpers/echo-server.js";
import { familyConfig } from "./family-config.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";

/** Secrets an echo URL may carry (a query token, userinfo); no outcome may show them. */
const SECRETS = ["s3cr3t-value", "echo-user-pw-42"];

const TRACE = "fl=29f1\nh=1.1.1.1\nip=81.2.69.160\nts=1790000000.123\nvisit_scheme=https\nuag=ddns/0.1.0 (+https://example.org)\ncolo=FRA\nsliver=none\nhttp=http/1.1\nloc=DE\ntls=TLSv1.3\nsni=off\nwarp=off\ngateway=off\nrbi=off\nkex=X25519\n";

describe("IpSource - http", () => {
  let v4: EchoServer;
  let v6: EchoServer;
  const client = createHttpClient();
  const getHttp = async (): Promise<HttpClient> => client;
  before(async () => {
    const routes = {
      "/plain": { body: "81.2.69.160\n" },
      "/trace": { body: TRACE },
      "/html": { body: "<html>\n<body>Your IP is 81.2.69.160</body>\n</html>\n" },
      "/private": { body: "192.168.1.20" },
      "/redirect": { status: 301, headers: { location: "/plain" } },
      "/big": { body: "81.2.69.160" + " ".repeat(2000) },
      "/hang": { hang: true },
      "/v6": { body: "2A01:4F8::0001\n" },
      "/two": { body: "81.2.69.160 81.2.69.161" },
      "/err": { status: 503, body: "try later" },
    };
    v4 = await startEchoServer("127.0.0.1", routes);
    v6 = await startEchoServer("::1", routes);
  });
  after(async () => {
    await v4.close();
    await v6.close();
  });

  /** Every outcome a test sees (addresses, reasons) is scanned for SECRETS. */
  const detect = async (urls: string[], family: "ipv4" | "ipv6" = "ipv4", over = {}) => {
    const d = await createHttpSource(familyConfig({ urls, timeoutMs: 1000, ...over }), getHttp).detect(family, AbortSignal.timeout(3000));
    assertNoSecretsIn(SECRETS, [d]);
    return d;
  };

  it("plain answer/detect/found, GET with family pinned", async () => {
    const before = v4.requests.length;
    assert.deepEqual(await detect([`${v4.url}/plain`]), { kind: "found", source: "http", addresses: ["81.2.69.160"] });
    const seen = v4.requests.slice(before);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, "GET");
    assert.equal(seen[0]!.remoteAddress, "127.0.0.1");
  });

  it("cloudflare trace answer/detect/ip= line used", async () => {
    assert.deepEqual(await detect([`${v4.url}/trace`]), { kind: "found", source: "http", addresses: ["81.2.69.160"] });
  });

  it("HTML answer then good URL/detect/first refused, second wins", async () => {
    assert.deepEqual(await detect([`${v4.url}/html`, `${v4.url}/plain`]), { kind: "found", source: "http", addresses: ["81.2.69.160"] });
    const d = await detect([`${v4.url}/html`, `${v4.url}/two`]);
    assert.equal(d.kind, "unavailable");
    assert.match((d as { reason: string }).reason, /the answer is not a single address.*the answer "81\.2\.69\.160 81\.2\.69\.161" is not an address/);
  });

  it("private address answer/detect/refused unless accept_private", async () => {
    const d = await detect([`${v4.url}/private`]);
    assert.deepEqual(d, { kind: "unavailable", source: "http", reason: `${new URL(v4.url).host}: refused 192.168.1.20 (private)` });
    assert.deepEqual(await detect([`${v4.url}/private`], "ipv4", { acceptPrivate: true }), { kind: "found", source: "http", addresses: ["192.168.1.20"] });
  });

  it("redirect/detect/unavailable, not followed", async () => {
    const before = v4.requests.length;
    const d = await detect([`${v4.url}/redirect`]);
    assert.deepEqual(d, { kind: "unavailable", source: "http", reason: `${new URL(v4.url).host}: redirect (HTTP 301) refused` });
    assert.deepEqual(v4.requests.slice(before).map((r) => r.path), ["/redirect"]);
  });

  it("oversized body/detect/unavailable", async () => {
    const d = await detect([`${v4.url}/big`]);
    assert.equal(d.kind, "unavailable");
    assert.match((d as { reason: string }).reason, /large|exceed|1024/i);
  });

  it("server error/detect/unavailable with the status", async () => {
    assert.deepEqual(await detect([`${v4.url}/err`]), { kind: "unavailable", source: "http", reason: `${new URL(v4.url).host}: HTTP 503` });
  });

  it("hanging server/detect/unavailable within the timeout", async () => {
    const t0 = process.hrtime.bigint();
    const url = `${v4.url.replace("//", "//me:echo-user-pw-42@")}/hang?token=s3cr3t-value`;
    const d = await createHttpSource(familyConfig({ urls: [url], timeoutMs: 300 }), getHttp).detect("ipv4", AbortSignal.timeout(300));
    assertNoSecretsIn(SECRETS, [d]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(d.kind, "unavailable");
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it("first URL hangs/detect/second URL still asked within timeout_ms", async () => {
    const d = await createHttpSource(familyConfig({ urls: [`${v4.url}/hang`, `${v4.url}/plain`], timeoutMs: 600 }), getHttp).detect("ipv4", AbortSignal.timeout(600));
    assert.deepEqual(d, { kind: "found", source: "http", addresses: ["81.2.69.160"] });
  });

  it("ipv6 echo on ::1/detect/asked over IPv6, canonical answer", async () => {
    const before = v6.requests.length;
    assert.deepEqual(await detect([`${v6.url}/v6`], "ipv6"), { kind: "found", source: "http", addresses: ["2a01:4f8::1"] });
    assert.equal(v6.requests.slice(before)[0]!.remoteAddress, "::1");
  });

  it("IPv4 answer to the ipv6 family/detect/refused", async () => {
    const d = await detect([`${v6.url}/plain`], "ipv6");
    assert.equal(d.kind, "unavailable");
    assert.match((d as { reason: string }).reason, /81\.2\.69\.160 is not an IPv6 address/);
  });

  it("ipv4 family against an IPv6-only URL/detect/unavailable (family pinned)", async () => {
    const before = v6.requests.length;
    const d = await detect([`${v6.url}/plain`], "ipv4");
    assert.equal(d.kind, "unavailable");
    assert.equal(v6.requests.length, before);
  });

  it("loopback echo of our own address/detect/refused as loopback", async () => {
    const d = await detect([`${v4.url}/me`]);
    assert.match((d as { reason: string }).reason, /127\.0\.0\.1 \(loopback\)/);
  });

  it("URL with a secret in its query/detect/reason names only the host", async () => {
    const d = await detect([`${v4.url}/err?token=s3cr3t-value`]);
    assert.doesNotMatch(JSON.stringify(d), /s3cr3t/);
    // Userinfo and query through every failure: refused answer, redirect, HTTP error, bad body.
    const auth = (path: string): string => `${v4.url.replace("//", "//me:echo-user-pw-42@")}${path}?token=s3cr3t-value`;
    const all = await detect(["/private", "/redirect", "/err", "/html", "/two"].map(auth));
    assert.equal(all.kind, "unavailable");
    assert.match((all as { reason: string }).reason, /refused 192\.168\.1\.20[^]*redirect[^]*HTTP 503/);
  });

  it("both families on http/detectAll/client factory called once", async () => {
    let calls = 0;
    const r = await detectAll(
      { ipv4: familyConfig({ sources: ["http"], urls: [`${v4.url}/plain`] }), ipv6: familyConfig({ sources: ["http"], urls: [`${v6.url}/v6`] }) },
      {
        events: [],
        http: async () => {
          calls++;
          return client;
        },
        networkInterfaces: () => ({}),
        procIfInet6: "/nonexistent",
        signal: AbortSignal.timeout(3000),
      },
    );
    assert.equal(calls, 1);
    assert.deepEqual(r, {
      ipv4: { kind: "found", source: "http", addresses: ["81.2.69.160"] },
      ipv6: { kind: "found", source: "http", addresses: ["2a01:4f8::1"] },
    });
  });

  it("echo bodies/parse/strict", () => {
    assert.deepEqual(parseEchoBody(" 81.2.69.160\r\n", "ipv4"), { address: "81.2.69.160" });
    assert.deepEqual(parseEchoBody("ip=2a01:4f8::1\n", "ipv6"), { address: "2a01:4f8::1" });
    assert.ok("reason" in parseEchoBody("ip=1.2.3.4\nip=5.6.7.8\n", "ipv4"));
    assert.ok("reason" in parseEchoBody("", "ipv4"));
    assert.ok("reason" in parseEchoBody("81.2.69.160\n<script>", "ipv4"));
    assert.ok("reason" in parseEchoBody("081.2.69.160", "ipv4"));
  });
});
