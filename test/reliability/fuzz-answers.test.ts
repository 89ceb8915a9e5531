import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isIP } from "node:net";
import { DdnsError } from "../../src/errors.js";
import type { HttpClient, HttpRequest, HttpResponse } from "../../src/net/types.js";
import { loadProvider, providerSpecs } from "../../src/provider/registry.js";
import type { ProviderSettings, RecordUpdate } from "../../src/provider/types.js";
import { createHttpSource, parseEchoBody } from "../../src/ip-source/http.js";
import { parseAddress, formatBytes } from "../../src/ip-source/sanity.js";
import { defaultFamily } from "../../src/config/family.js";
import { assertNoSecrets, secretScanStats } from "../helpers/secrets.js";
import { count } from "./fixture.js";
import { rng, type Rng } from "./rng.js";

const PUSHES = count(1000, 120);
const ECHOES = count(20000, 3000);
const SEED = Number(process.env["DDNS_FUZZ_SEED"] ?? 20261127);
/** Addresses only the fuzzed answers hold: a request that carries one took it from an answer. */
const FOREIGN = ["203.0.113.66", "2001:db8:bad::66", "10.6.6.6"];
const SOURCED = ["198.51.100.1", "198.51.100.2", "2001:db8::1", "2001:db8::2"];
const SECRET = (key: string): string => `fz-${key}-Sk39Qw`;

/** Values that look like what providers answer, with the foreign addresses planted. */
function plausible(r: Rng, depth = 0): unknown {
  if (depth > 3) return r.pick([null, 0, "", FOREIGN[0], true]);
  switch (r.int(9)) {
    case 0:
      return r.pick([null, true, false, 0, -1, 1e308, "", "x".repeat(r.int(400)), r.pick(FOREIGN), r.pick(SOURCED), "A", "AAAA", "example.org"]);
    case 1:
      return Array.from({ length: r.int(4) }, () => plausible(r, depth + 1));
    case 2:
      return {
        id: r.pick(["1", 1, "../x", "abc", null]), name: r.pick(["home.example.org", "home", "@", "x.example.org.", ""]),
        type: r.pick(["A", "AAAA", "CNAME", 5]), content: r.pick([...FOREIGN, ...SOURCED, ""]), data: r.pick(FOREIGN),
        ttl: r.pick([60, "60", -1]), records: [r.pick(FOREIGN)], subname: r.pick(["home", ""]), rrset: r.pick(FOREIGN),
      };
    default: {
      const o: Record<string, unknown> = {};
      for (const k of ["success", "errors", "result", "result_info", "domain_records", "records", "data", "meta", "links", "rrsets", "zones", "domains", "domain", "record", "status", "message", "error", "id", "name", "per_page", "page", "pages", "total"]) {
        if (r.chance(0.25)) o[k] = plausible(r, depth + 1);
      }
      return o;
    }
  }
}

function body(r: Rng, req: HttpRequest): string {
  switch (r.int(8)) {
    case 0:
      return "";
    case 1:
      return r.bytes(r.int(200)).toString("utf8");
    case 2: {
      const t = JSON.stringify(plausible(r));
      return t.slice(0, r.int(t.length + 1)); // truncated
    }
    case 3:
      return r.pick(["good", "nochg", "badauth", "OK", "KO", "911", "abuse", "nohost", `good ${r.pick(FOREIGN)}`, "<html>login</html>"]);
    case 4:
      return `<?xml version="1.0"?><ChangeResourceRecordSetsResponse><ChangeInfo><Id>/change/C1</Id><Status>${r.pick(["PENDING", "INSYNC", ""])}</Status></ChangeInfo></ChangeResourceRecordSetsResponse>`.slice(0, 40 + r.int(200));
    case 5:
      return typeof req.body === "string" ? req.body : ""; // the request echoed back
    default:
      return JSON.stringify(plausible(r));
  }
}

function fuzzClient(r: Rng, seen: HttpRequest[]): HttpClient {
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      seen.push(req);
      if (r.chance(0.08)) throw new DdnsError(r.pick(["NET_TIMEOUT", "NET_REFUSED", "NET_TLS", "NET_TOO_LARGE", "NET_OTHER"] as const), `${req.method} 127.0.0.1: fuzzed failure`);
      const headers: Record<string, string> = { "content-type": r.pick(["application/json", "text/plain", "text/html", "application/xml"]) };
      if (r.chance(0.3)) headers["retry-after"] = r.pick(["0", "-5", "30", "99999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "soon", ""]);
      if (r.chance(0.2)) headers["link"] = `<http://127.0.0.1:1/next?page=${r.int(3)}>; rel="next"`;
      const status = r.pick([200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 429, 500, 503]);
      return { status, headers, body: body(r, req) };
    },
  };
}

function settingsFor(type: string): ProviderSettings {
  const spec = providerSpecs().find((s) => s.type === type)!;
  const values: ProviderSettings["values"] = { endpoint: "http://127.0.0.1:1/api" };
  const byName: Record<string, string> = { zone: "example.org", server: "127.0.0.1", key_name: "ddns-key", access_key_id: "AKIAFUZZFUZZ", hosted_zone_id: "Z0FUZZ", username: "fuzzer", auth_id: "1234" };
  const secretKeys: string[] = [];
  for (const k of spec.keys) {
    if (k.kind === "secret") {
      values[k.name] = SECRET(k.name);
      secretKeys.push(k.name);
    } else if (k.default !== undefined) values[k.name] = k.default;
    else if (k.kind === "string" && (k.required || byName[k.name] !== undefined)) values[k.name] = byName[k.name] ?? "x";
  }
  return { name: "home", type, values, secretKeys };
}

function addressesIn(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/[^0-9A-Fa-f:.]+/)) {
    if (isIP(token) !== 0) out.push(formatBytes(parseAddress(token)!.bytes));
  }
  return out;
}

function requestText(req: HttpRequest): string {
  const u = new URL(req.url);
  const b = req.body === undefined ? "" : typeof req.body === "string" ? req.body : Buffer.from(req.body).toString("utf8");
  return `${decodeURIComponent(u.pathname)} ${decodeURIComponent(u.search)} ${b}`;
}

describe("Reliability - provider and echo answers fuzzed", () => {
  const http = providerSpecs().filter((s) => s.type !== "rfc2136"); // rfc2136 speaks DNS, not HTTP
  for (const spec of http) {
    it(`${spec.type}: ${PUSHES} pushes against fuzzed answers/push/never throws, one outcome per update, no foreign address sent, no secret`, async () => {
      const r = rng(SEED ^ [...spec.type].reduce((a, c) => a * 31 + c.charCodeAt(0), 7));
      const create = await loadProvider(spec);
      const settings = settingsFor(spec.type);
      const secrets = settings.secretKeys.map((k) => settings.values[k] as string);
      const tally = { updated: 0, unchanged: 0, transient: 0, permanent: 0, held: 0, requests: 0 };
      for (let n = 0; n < PUSHES; n++) {
        const seen: HttpRequest[] = [];
        const provider = create(settings, { http: fuzzClient(r, seen), now: () => Date.UTC(2026, 10, 27), userAgent: "ddns/fuzz" });
        const updates: RecordUpdate[] = Array.from({ length: 1 + r.int(3) }, (_, i) => {
          const family = r.pick(["ipv4", "ipv6"] as const);
          const pool = SOURCED.filter((a) => (isIP(a) === 4) === (family === "ipv4"));
          const name = `h${i}.${spec.type === "duckdns" ? "duckdns.org" : "example.org"}`;
          const u: RecordUpdate = { key: `${name}/${family}`, name, family, addresses: [r.pick(pool)], previous: r.chance(0.5) ? null : [r.pick(pool)] };
          if (r.chance(0.4)) u.cache = { zone: r.pick(["z1", "../../x", "a?b=c", ""]), record: r.pick(["r1", "%2e%2e", "1"]), id: "5" };
          return u;
        });
        let out;
        try {
          out = await provider.push(updates, AbortSignal.timeout(60_000));
        } catch (e) {
          assert.fail(`${spec.type} push threw (exit 1 in the field): ${String(e)}\n${(e as Error).stack ?? ""}`);
        }
        assert.deepEqual([...out.keys()].sort(), updates.map((u) => u.key).sort(), "one outcome per update");
        const reasons: string[] = [];
        for (const o of out.values()) {
          assert.ok(["updated", "unchanged", "transient", "permanent", "held"].includes(o.kind));
          tally[o.kind]++;
          if (o.kind === "transient" || o.kind === "permanent" || o.kind === "held") {
            assert.equal(typeof o.reason, "string");
            reasons.push(o.reason);
          }
          if (o.kind === "transient" && o.retryAfterMs !== undefined) assert.ok(Number.isFinite(o.retryAfterMs) && o.retryAfterMs >= 0, `retryAfterMs ${o.retryAfterMs}`);
          if ("message" in o && o.message !== undefined) reasons.push(o.message);
        }
        for (const reason of reasons) assert.ok(!/[\x00-\x08\x0a-\x1f\x7f]/.test(reason), `a control character in ${JSON.stringify(reason)}`);
        const allowed = new Set(updates.flatMap((u) => [...u.addresses, ...(u.previous ?? [])]));
        for (const req of seen) {
          tally.requests++;
          for (const a of addressesIn(requestText(req))) {
            assert.ok(!FOREIGN.includes(a) || allowed.has(a), `${spec.type} sent ${a}, which only an answer held: ${req.method} ${req.url}`);
          }
        }
        await assertNoSecrets(secrets, { texts: reasons });
      }
      console.log(`# answer fuzz ${spec.type}: ${PUSHES} pushes, ${tally.requests} fuzzed answers; outcomes updated=${tally.updated} unchanged=${tally.unchanged} transient=${tally.transient} permanent=${tally.permanent}`);
    });
  }

  it(`echo: ${ECHOES} fuzzed bodies/parse and detect/only an address the body states, of the family, public`, async () => {
    const r = rng(SEED);
    let found = 0;
    // Public addresses (no packet leaves: the client is a fake), so the sanity screen can accept them.
    const PUBLIC = ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"];
    for (let n = 0; n < ECHOES; n++) {
      const family = r.pick(["ipv4", "ipv6"] as const);
      const b = r.pick<() => string>([
        () => r.pick([...FOREIGN, ...SOURCED, ...PUBLIC, ...PUBLIC, "192.168.1.1", "::1", "fe80::1", "0.0.0.0", "255.255.255.255", "100.64.0.1", "::ffff:198.51.100.1"]),
        () => `fl=1\nh=x\nip=${r.pick([...PUBLIC, ...FOREIGN])}\nts=1\n${r.chance(0.3) ? `ip=${r.pick(FOREIGN)}\n` : ""}`,
        () => `<html>${r.pick(SOURCED)}</html>`,
        () => r.bytes(r.int(64)).toString("latin1"),
        () => ` \t${r.pick(PUBLIC)}\r\n${r.chance(0.5) ? r.pick(FOREIGN) : ""}`,
        () => `${r.pick(PUBLIC)}${r.pick(["%eth0", "/24", ":80", ".", " x", "\u0000"])}`,
      ])();
      const parsed = parseEchoBody(b, family);
      if ("address" in parsed) {
        assert.ok(addressesIn(b).includes(parsed.address) || addressesIn(b.replace(/^ip=/m, "")).includes(parsed.address), `${parsed.address} is not stated in ${JSON.stringify(b)}`);
        assert.equal(isIP(parsed.address), family === "ipv4" ? 4 : 6);
      }
      const source = createHttpSource({ ...defaultFamily(family), urls: ["http://127.0.0.1:1/ip"] }, async () => ({
        request: async () => ({ status: r.pick([200, 200, 200, 302, 500]), headers: {}, body: b }),
      }));
      const d = await source.detect(family, AbortSignal.timeout(5000));
      if (d.kind === "found") {
        found++;
        assert.equal(d.addresses.length, 1);
        assert.ok(addressesIn(b).includes(d.addresses[0]!), `detect found ${d.addresses[0]} not stated in ${JSON.stringify(b)}`);
        assert.ok(!["192.168.1.1", "10.6.6.6", "::1", "fe80::1", "0.0.0.0", "255.255.255.255", "100.64.0.1"].includes(d.addresses[0]!), `a private address ${d.addresses[0]} was accepted`);
      }
    }
    console.log(`# answer fuzz echo: ${ECHOES} bodies, ${found} accepted (each stated by its body, of its family, public)`);
  });
});

process.on("exit", () => {
  const s = secretScanStats();
  console.log(`# secrets fuzz-answers: ${s.scans} scans, ${s.bytes} bytes, ${s.secrets} distinct secrets, 0 found`);
});
