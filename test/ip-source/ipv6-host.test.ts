import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { joinPrefix, parseIpv6Host } from "../../src/ip-source/ipv6-host.js";
import { plan } from "../../src/engine/plan.js";
import { config, family } from "../fakes/config.js";
import { CLOUDFLARE, parse, refusedAt } from "../config/helpers.js";

describe("IpSource - ipv6_host", () => {
  it("identifier/parse/suffix kept, MAC as modified EUI-64, prefix bits refused", () => {
    assert.deepEqual(parseIpv6Host("::1234:5678", 64), { ok: true, host: "::1234:5678" });
    assert.deepEqual(parseIpv6Host("mac(aa:bb:cc:dd:ee:ff)", 64), { ok: true, host: "::a8bb:ccff:fedd:eeff" });
    assert.deepEqual(parseIpv6Host("mac(02-00-5E-10-00-01)", 56), { ok: true, host: "::5eff:fe10:1" });
    assert.equal(parseIpv6Host("2001:db8::1", 64).ok, false);
    assert.equal(parseIpv6Host("mac(aa:bb:cc:dd:ee)", 64).ok, false);
    assert.equal(parseIpv6Host("mac(aa:bb:cc:dd:ee:ff)", 80).ok, false);
  });

  it("join/prefix lengths/the first bits from the detected address, the rest from the identifier", () => {
    assert.equal(joinPrefix("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "::1234:5678", 64), "2001:db8:1:2::1234:5678");
    assert.equal(joinPrefix("2001:db8:1:2ff:aaaa:bbbb:cccc:dddd", "::1:0:0:0:1", 56), "2001:db8:1:201::1");
    assert.equal(joinPrefix("2001:db8:1:2ff::1", "::1", 60), "2001:db8:1:2f0::1");
  });

  it("record with ipv6_host/plan/pushes the joined address; a prefix change moves it", () => {
    const cfg = config([{ name: "nas.example.org", families: ["ipv6"], verify: "off", ipv6Host: "::a8bb:ccff:fedd:eeff", ipv6PrefixLength: 64 }]);
    cfg.families.ipv6 = family();
    const detected = (a: string) => ({ ipv4: { kind: "disabled" as const }, ipv6: { kind: "found" as const, source: "interface" as const, addresses: [a] } });
    const pushed = (a: string, state = { version: 1 as const, records: {} }) => {
      const p = plan({ config: cfg, detected: detected(a), state, now: 0, force: false });
      const push = p.actions.find((x) => x.kind === "push");
      return push?.kind === "push" ? push.addresses : undefined;
    };
    assert.deepEqual(pushed("2001:db8:aa:1::5"), ["2001:db8:aa:1:a8bb:ccff:fedd:eeff"]);
    const published = { version: 1 as const, records: { "nas.example.org/ipv6": { provider: "p", published: ["2001:db8:aa:1:a8bb:ccff:fedd:eeff"], failures: 0 } } };
    assert.equal(pushed("2001:db8:aa:1::77", published), undefined, "same prefix, another address of this host: nothing to do");
    assert.deepEqual(pushed("2001:db8:bb:1::5", published), ["2001:db8:bb:1:a8bb:ccff:fedd:eeff"]);
  });

  it("config/ipv6_host and ipv6_prefix_length/typed; bad values at file, line and key", async () => {
    const c = await parse(`${CLOUDFLARE}[[records]]\nname = "nas.example.org"\nprovider = "home"\nipv6_host = "mac(aa:bb:cc:dd:ee:ff)"\nipv6_prefix_length = 56\n`);
    assert.equal(c.records[0]?.ipv6Host, "::a8bb:ccff:fedd:eeff");
    assert.equal(c.records[0]?.ipv6PrefixLength, 56);
    await refusedAt(`${CLOUDFLARE}[[records]]\nname = "nas.example.org"\nprovider = "home"\nipv6_host = "2001:db8::1"\n`, 8, "records.ipv6_host", /bits set inside the 64-bit prefix/);
  });
});
