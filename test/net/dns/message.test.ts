import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addressBytes, addressText, encodeName, readName } from "../../../src/net/dns/message.js";

describe("Provider - dns wire", () => {
  it("IPv4 and IPv6 text/addressBytes/network order bytes, null for junk", () => {
    assert.deepEqual([...addressBytes("192.0.2.1", "ipv4")!], [192, 0, 2, 1]);
    assert.equal(addressBytes("256.0.0.1", "ipv4"), null);
    assert.equal(addressText(addressBytes("2001:db8::1", "ipv6")!), "2001:db8::1");
    assert.equal(addressText(addressBytes("::", "ipv6")!), "::");
    assert.equal(addressText(addressBytes("::ffff:192.0.2.1", "ipv6")!), "::ffff:c000:201");
    assert.equal(addressText(addressBytes("2001:db8:0:0:1:0:0:1", "ipv6")!), "2001:db8::1:0:0:1");
    assert.equal(addressBytes("2001:db8::1::2", "ipv6"), null);
    assert.equal(addressBytes("2001:db8:1:2:3:4:5:6:7", "ipv6"), null);
    assert.equal(addressBytes("2001:db8::g", "ipv6"), null);
  });

  it("name/encode then read/same name; compression pointer followed", () => {
    const n = encodeName("Home.Example.net.");
    assert.deepEqual(readName(n, 0), ["Home.Example.net", n.length]);
    const msg = Buffer.concat([n, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0x00])]);
    assert.deepEqual(readName(msg, n.length), ["www.Home.Example.net", msg.length]);
    assert.throws(() => readName(Buffer.from([0xc0, 0x00]), 0), /compression loop/);
  });
});
