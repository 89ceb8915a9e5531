import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonical, classify, isAcceptable, isGlobalUnicast, screen } from "../../src/ip-source/sanity.js";

describe("IpSource - sanity", () => {
  const v4: [string, string][] = [
    ["8.8.8.8", "global"],
    ["1.1.1.1", "global"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "this-network"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "global"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["100.128.0.1", "global"],
    ["127.0.0.1", "loopback"],
    ["169.254.1.1", "link-local"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.7", "documentation"],
    ["198.51.100.1", "documentation"],
    ["203.0.113.7", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["198.20.0.1", "global"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.255", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["192.88.99.1", "reserved"],
    ["01.2.3.4", "invalid"],
    ["1.2.3", "invalid"],
    ["1.2.3.256", "invalid"],
    ["1.2.3.4/24", "invalid"],
    [" 1.2.3.4", "invalid"],
    ["::1", "invalid"],
  ];
  const v6: [string, string][] = [
    ["2606:4700:4700::1111", "global"],
    ["2a00:1450:4001:80b::200e", "global"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["::ffff:8.8.8.8", "ipv4-mapped"],
    ["64:ff9b::808:808", "nat64"],
    ["2001::1", "teredo"],
    ["2001:2::1", "benchmarking"],
    ["2001:db8::1", "documentation"],
    ["2001:10::1", "reserved"],
    ["2002:c000:201::1", "6to4"],
    ["3fff::1", "documentation"],
    ["fc00::1", "ula"],
    ["fd12:3456::1", "ula"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["100::1", "reserved"],
    ["::2", "reserved"],
    ["fe80::1%eth0", "invalid"],
    ["2001:db8::1::2", "invalid"],
    ["1:2:3:4:5:6:7:8:9", "invalid"],
    ["1:2:3:4:5:6:7::8", "invalid"],
    ["12345::", "invalid"],
    ["8.8.8.8", "invalid"],
  ];
  for (const [a, cls] of v4) {
    it(`ipv4 ${JSON.stringify(a)}/classify/${cls}`, () => assert.equal(classify(a, "ipv4"), cls));
  }
  for (const [a, cls] of v6) {
    it(`ipv6 ${JSON.stringify(a)}/classify/${cls}`, () => assert.equal(classify(a, "ipv6"), cls));
  }

  it("global addresses/isGlobalUnicast/true only for them", () => {
    assert.equal(isGlobalUnicast("8.8.8.8"), true);
    assert.equal(isGlobalUnicast("2606:4700::1"), true);
    assert.equal(isGlobalUnicast("10.0.0.1"), false);
    assert.equal(isGlobalUnicast("fd00::1"), false);
    assert.equal(isGlobalUnicast("nonsense"), false);
  });

  it("various spellings/canonical/RFC 5952 form", () => {
    assert.equal(canonical("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    assert.equal(canonical("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert.equal(canonical("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
    assert.equal(canonical("0:0:0:0:0:0:0:0"), "::");
    assert.equal(canonical("0:0:0:0:0:0:0:1"), "::1");
    assert.equal(canonical("1:0:0:0:0:0:0:0"), "1::");
    assert.equal(canonical("::ffff:c000:0201"), "::ffff:192.0.2.1");
    assert.equal(canonical("2001:db8::192.0.2.1"), "2001:db8::c000:201");
    assert.equal(canonical("203.0.113.7"), "203.0.113.7");
    assert.equal(canonical("203.0.113.007"), null);
    assert.equal(canonical("hello"), null);
  });

  it("accept_private/isAcceptable/widens but never to loopback, multicast, unspecified, link-local", () => {
    for (const c of ["private", "cgnat", "ula", "documentation", "reserved", "6to4"] as const) {
      assert.equal(isAcceptable(c, false), false, c);
      assert.equal(isAcceptable(c, true), true, c);
    }
    for (const c of ["loopback", "multicast", "unspecified", "link-local", "broadcast", "invalid"] as const) {
      assert.equal(isAcceptable(c, true), false, c);
    }
  });

  it("mixed candidates/screen/dedupes canonically and explains refusals", () => {
    const r = screen(["2606:4700::0001", "2606:4700::1", "fd00::1", "1.2.3.4", "junk\n"], "ipv6", { acceptPrivate: false, check: true });
    assert.deepEqual(r.accepted, ["2606:4700::1"]);
    assert.deepEqual(r.refused, ["fd00::1 (ula)", "1.2.3.4 (not an IPv6 address)", "junk\\n (not an IPv6 address)"]);
    const s = screen(["10.0.0.1"], "ipv4", { acceptPrivate: false, check: false });
    assert.deepEqual(s.accepted, ["10.0.0.1"]);
  });
});
