// Loaded with `node --require` into the code-cache training run only (scripts/build.mjs),
// never shipped. The training run is a real `ddns run` that pushes two records; a
// package build has no network, not even loopback in some builders (pbuilder's
// namespace leaves lo down), so node:http's request() is replaced here by an
// in-process answer: an echo service's address, dyndns2's "good ADDRESS", or a
// Cloudflare envelope echoing the PATCHed content. Every other part of the program runs as it does in service. Each
// request is reported on stderr as "train-stub: METHOD PATH" for the build to check.
//
// The machine's interfaces are fixed here too: what a run compiles depends on what it
// finds (an address to parse or none), and builders differ (sbuild brings lo up in
// its network namespace, pbuilder leaves it down, a chroot sees the host's), so a
// cache trained on the build machine's interfaces would differ between builders. The
// training sees lo and one Ethernet interface, as most machines do; scripts/build.mjs
// points DDNS_PROC_IF_INET6 at the matching IPv6 table.
"use strict";
const http = require("node:http");
const os = require("node:os");
const { EventEmitter } = require("node:events");

os.networkInterfaces = function trainingInterfaces() {
  return {
    lo: [
      { address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" },
      { address: "::1", netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", family: "IPv6", mac: "00:00:00:00:00:00", internal: true, cidr: "::1/128", scopeid: 0 },
    ],
    eth0: [
      { address: "192.168.1.23", netmask: "255.255.255.0", family: "IPv4", mac: "52:54:00:12:34:56", internal: false, cidr: "192.168.1.23/24" },
      { address: "fe80::5054:ff:fe12:3456", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "52:54:00:12:34:56", internal: false, cidr: "fe80::5054:ff:fe12:3456/64", scopeid: 2 },
    ],
  };
};

http.request = function trainingRequest(options, onResponse) {
  const req = new EventEmitter();
  req.destroy = () => req;
  req.end = (body) => {
    process.stderr.write(`train-stub: ${options.method} ${options.path}\n`);
    setImmediate(() => {
      let text;
      let type = "text/plain";
      if (options.path.startsWith("/nic/update")) {
        text = `good ${new URL(options.path, "http://stub").searchParams.get("myip")}\n`;
      } else if (options.path === "/ip") {
        text = "203.0.113.8\n"; // an echo service (the http source)
      } else {
        const content = JSON.parse(body ? body.toString() : "{}").content;
        type = "application/json";
        text = JSON.stringify({
          success: true,
          errors: [],
          messages: [],
          result: { id: "r1", zone_id: "z1", name: "cf.example.org", type: "A", content, ttl: 1, proxied: false },
        });
      }
      const res = new EventEmitter();
      res.statusCode = 200;
      res.rawHeaders = ["Content-Type", type, "Content-Length", String(Buffer.byteLength(text))];
      res.complete = false;
      onResponse(res);
      res.emit("data", Buffer.from(text));
      res.complete = true;
      res.emit("end");
    });
    return req;
  };
  return req;
};
