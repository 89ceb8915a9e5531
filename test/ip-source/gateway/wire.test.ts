import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parseNatPmp } from "../../../src/ip-source/gateway/natpmp.js";
import { isPcpAnnounce, mapQueryRequest, parseMapAnswer } from "../../../src/ip-source/gateway/pcp.js";
import { defaultRoute } from "../../../src/ip-source/gateway/route.js";
import { findWanService, onGateway, ssdpLocation } from "../../../src/ip-source/gateway/upnp.js";
import { classifyAnnouncement } from "../../../src/cli/announce.js";

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t014DA8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t004DA8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
tun0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0
`;

describe("IpSource - gateway wire formats", () => {
  it("routing table/default routes/lowest metric through a gateway; interfaces limit it", () => {
    assert.deepEqual(defaultRoute(ROUTE, []), { iface: "eth0", gateway: "192.168.77.1" });
    assert.deepEqual(defaultRoute(ROUTE, ["wlan0"]), { iface: "wlan0", gateway: "192.168.1.1" });
    assert.equal(defaultRoute(ROUTE, ["tun0"]), undefined, "a default route without a gateway (a tunnel) has no router to ask");
    assert.equal(defaultRoute("Iface\tDestination\n", []), undefined);
  });

  it("NAT-PMP answer/opcode 128/address, result codes, and other datagrams ignored", () => {
    assert.deepEqual(parseNatPmp(Buffer.from([0, 128, 0, 0, 0, 0, 0, 9, 81, 2, 69, 2])), { kind: "address", address: "81.2.69.2", epoch: 9 });
    assert.deepEqual(parseNatPmp(Buffer.from([0, 128, 0, 3, 0, 0, 0, 9, 0, 0, 0, 0])), { kind: "refused", result: 3, text: "network failure (the router has no public address of its own)" });
    assert.equal(parseNatPmp(Buffer.from([0, 129, 0, 0, 0, 0, 0, 9, 81, 2, 69, 2])), undefined);
    assert.equal(parseNatPmp(Buffer.from([0, 128, 0, 0, 0, 0, 0, 9, 81])), undefined);
  });

  it("PCP MAP query/request/lifetime 0, our nonce, no suggested address: it can never open a port", () => {
    const nonce = Buffer.alloc(12, 7);
    const b = mapQueryRequest({ address: "192.168.77.10", port: 40000 }, nonce);
    assert.equal(b.length, 60);
    assert.equal(b[0], 2);
    assert.equal(b[1], 1);
    assert.equal(b.readUInt32BE(4), 0, "lifetime 0");
    assert.deepEqual([...b.subarray(20, 24)], [192, 168, 77, 10]);
    assert.ok(b.subarray(24, 36).equals(nonce));
    assert.ok(b.subarray(44, 60).every((x) => x === 0), "no suggested external address");
  });

  it("PCP MAP answer/success, miniupnpd's result 8 with its address, other nonce, no address", () => {
    const nonce = Buffer.alloc(12, 7);
    const answer = (result: number, n: Buffer, ip: number[] | null): Buffer => {
      const b = Buffer.alloc(60);
      b[0] = 2;
      b[1] = 0x81;
      b[3] = result;
      n.copy(b, 24);
      if (ip) Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip]).copy(b, 44);
      return b;
    };
    assert.deepEqual(parseMapAnswer(answer(0, nonce, [81, 2, 69, 2]), nonce), { kind: "address", address: "81.2.69.2", epoch: 0 });
    assert.deepEqual(parseMapAnswer(answer(8, nonce, [81, 2, 69, 2]), nonce), { kind: "address", address: "81.2.69.2", epoch: 0 });
    assert.equal(parseMapAnswer(answer(0, Buffer.alloc(12, 1), [6, 6, 6, 6]), nonce), undefined, "another question's answer");
    assert.deepEqual(parseMapAnswer(answer(0, nonce, null), nonce), { kind: "no-address", epoch: 0 });
    assert.deepEqual(parseMapAnswer(answer(2, nonce, [81, 2, 69, 2]), nonce), { kind: "refused", result: 2, text: "not authorized" });
  });

  it("announcements/UDP 5350 datagrams/NAT-PMP and PCP ANNOUNCE told from anything else", () => {
    assert.equal(classifyAnnouncement(Buffer.from([0, 128, 0, 0, 0, 0, 1, 0, 6, 6, 6, 6])), "natpmp");
    const pcp = Buffer.alloc(24);
    pcp[0] = 2;
    pcp[1] = 0x80;
    assert.equal(classifyAnnouncement(pcp), "pcp");
    assert.ok(isPcpAnnounce(pcp));
    assert.equal(classifyAnnouncement(Buffer.from("hello")), "other");
    assert.equal(classifyAnnouncement(Buffer.alloc(2000)), "other");
  });

  it("SSDP answer/LOCATION/taken only from a 200 answer", () => {
    assert.equal(ssdpLocation("HTTP/1.1 200 OK\r\nST: x\r\nLocation: http://192.168.77.1:5000/rootDesc.xml\r\n\r\n"), "http://192.168.77.1:5000/rootDesc.xml");
    assert.equal(ssdpLocation("NOTIFY * HTTP/1.1\r\nLOCATION: http://192.168.77.1:5000/rootDesc.xml\r\n\r\n"), undefined);
  });

  it("UPnP URLs/on the gateway/plain http to the gateway only", () => {
    assert.ok(onGateway("http://192.168.77.1:5000/ctl", "192.168.77.1").ok);
    assert.match(String((onGateway("http://192.168.77.66:5000/ctl", "192.168.77.1") as { reason: string }).reason), /not at the gateway/);
    assert.match(String((onGateway("https://192.168.77.1/ctl", "192.168.77.1") as { reason: string }).reason), /https: URLs are not followed/);
  });

  it("device description/WAN services/WANIPConnection:2 first, relative control URL resolved, foreign host refused", () => {
    const xml = (ctl: string): string => `<root><device><serviceList>
<service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><controlURL>/ppp</controlURL></service>
<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType><controlURL>${ctl}</controlURL></service>
</serviceList></device></root>`;
    assert.deepEqual(findWanService(xml("/ctl/IPConn"), "http://192.168.77.1:5000/rootDesc.xml", "192.168.77.1"), {
      ok: true,
      value: { controlUrl: "http://192.168.77.1:5000/ctl/IPConn", serviceType: "urn:schemas-upnp-org:service:WANIPConnection:2" },
    });
    assert.equal(findWanService(xml("http://10.0.0.9/ctl"), "http://192.168.77.1:5000/rootDesc.xml", "192.168.77.1").ok, false);
    assert.equal(findWanService("<root/>", "http://192.168.77.1:5000/", "192.168.77.1").ok, false);
  });
});
