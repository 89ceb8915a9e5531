import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse, refusedAt } from "./helpers.js";

describe("Config - gateway source", () => {
  it("sources and gateway_protocols/parse/order kept", async () => {
    const c = await parse(`[ipv4]\nsources = ["gateway", "http"]\ngateway_protocols = ["upnp", "natpmp"]\n`);
    assert.deepEqual(c.families.ipv4.sources, ["gateway", "http"]);
    assert.deepEqual(c.families.ipv4.gatewayProtocols, ["upnp", "natpmp"]);
  });
  it("unknown protocol/parse/file, line, key and the nearest name", async () => {
    await refusedAt(`[ipv4]\nsources = ["gateway"]\ngateway_protocols = ["natpnp"]\n`, 3, "ipv4.gateway_protocols", /unknown protocol "natpnp" \(did you mean "natpmp"\?\)/);
  });
  it("gateway for IPv6/parse/refused with the reason", async () => {
    await refusedAt(`[ipv6]\nsources = ["gateway"]\n`, 2, "ipv6.sources", /IPv4 only/);
  });
});
