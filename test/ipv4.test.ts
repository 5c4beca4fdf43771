import * as assert from "assert";
import { cidrContains, cidrsOverlap, hasHostBits, intToIp, ipToInt, isReservedInCidr, parseCidr } from "../stacks/ipv4";
import { stableMac } from "../stacks/mac";

describe("IPv4 and MAC helpers", () => {
    it("converts addresses both ways", () => {
        assert.strictEqual(ipToInt("10.10.0.1"), 0x0a0a0001);
        assert.strictEqual(intToIp(0xffffffff), "255.255.255.255");
        assert.strictEqual(intToIp(ipToInt("192.168.100.21")), "192.168.100.21");
    });

    it("contains exactly the addresses of the block, edges included", () => {
        assert.ok(cidrContains("10.10.0.0/24", "10.10.0.0"));
        assert.ok(cidrContains("10.10.0.0/24", "10.10.0.255"));
        assert.ok(!cidrContains("10.10.0.0/24", "10.10.1.0"));
        assert.ok(!cidrContains("10.10.0.0/24", "10.9.255.255"));
        assert.ok(cidrContains("0.0.0.0/0", "203.0.113.9"));
        assert.ok(cidrContains("10.0.0.7/32", "10.0.0.7") && !cidrContains("10.0.0.7/32", "10.0.0.8"));
    });

    it("knows network and broadcast addresses, except on /31 and /32", () => {
        assert.ok(isReservedInCidr("10.10.0.0/24", "10.10.0.0"));
        assert.ok(isReservedInCidr("10.10.0.0/24", "10.10.0.255"));
        assert.ok(!isReservedInCidr("10.10.0.0/24", "10.10.0.1"));
        assert.ok(!isReservedInCidr("10.10.0.0/31", "10.10.0.0"));
    });

    it("detects overlap and host bits", () => {
        assert.ok(cidrsOverlap("10.10.0.0/24", "10.10.0.128/25"));
        assert.ok(cidrsOverlap("10.0.0.0/8", "10.200.0.0/16"));
        assert.ok(!cidrsOverlap("10.10.0.0/24", "10.10.1.0/24"));
        assert.ok(hasHostBits("10.10.0.5/24") && !hasHostBits("10.10.0.0/24"));
        assert.deepStrictEqual(parseCidr("10.10.0.77/26"), { network: ipToInt("10.10.0.64"), prefix: 26, size: 64 });
    });

    it("derives a stable unicast QEMU MAC from site, node and network", () => {
        const mac = stableMac("site1", "worker-2", "internal");
        assert.match(mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
        assert.strictEqual(stableMac("site1", "worker-2", "internal"), mac);
        assert.notStrictEqual(stableMac("site1", "worker-2", "services"), mac);
        assert.notStrictEqual(stableMac("site2", "worker-2", "internal"), mac);
    });
});
