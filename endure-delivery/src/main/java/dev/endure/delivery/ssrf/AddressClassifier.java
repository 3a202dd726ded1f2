package dev.endure.delivery.ssrf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Sorts an IP address into an {@link AddressCategory}, byte by byte, so that every spelling of an
 * address lands in the same category: IPv4-mapped ({@code ::ffff:10.0.0.1}), IPv4-compatible
 * ({@code ::10.0.0.1}), IPv4-translated ({@code ::ffff:0:10.0.0.1}), NAT64 ({@code 64:ff9b::a00:1}) and
 * 6to4 ({@code 2002:0a00:0001::}) IPv6 forms are judged by the IPv4 address they carry; local-use NAT64
 * ({@code 64:ff9b:1::/48}) is private and Teredo ({@code 2001::/32}) reserved.
 */
public final class AddressClassifier {

    private AddressClassifier() {}

    public static AddressCategory classify(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return classifyV4(bytes, 0);
        }
        if (address instanceof Inet6Address) {
            return classifyV6(bytes);
        }
        return AddressCategory.RESERVED;
    }

    private static AddressCategory classifyV4(byte[] b, int at) {
        int a0 = b[at] & 0xff;
        int a1 = b[at + 1] & 0xff;
        int a2 = b[at + 2] & 0xff;
        int a3 = b[at + 3] & 0xff;
        // Metadata first: 169.254.169.254 is also link-local, and the more specific name helps the operator.
        if ((a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254)   // AWS, GCP, Azure, OpenStack
                || (a0 == 169 && a1 == 254 && a2 == 170 && a3 == 2)  // AWS ECS task metadata
                || (a0 == 100 && a1 == 100 && a2 == 100 && a3 == 200)) { // Alibaba Cloud
            return AddressCategory.CLOUD_METADATA;
        }
        if (a0 == 0) {
            return AddressCategory.UNSPECIFIED; // 0.0.0.0/8 "this network": 0.0.0.0 reaches the local host on Linux
        }
        if (a0 == 127) {
            return AddressCategory.LOOPBACK;
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)
                || (a0 == 100 && (a1 & 0xc0) == 64)      // 100.64.0.0/10 carrier-grade NAT
                || (a0 == 198 && (a1 & 0xfe) == 18)      // 198.18.0.0/15 benchmarking
                || (a0 == 192 && a1 == 0 && a2 == 0)) {  // 192.0.0.0/24 IETF protocol assignments
            return AddressCategory.PRIVATE;
        }
        if (a0 == 169 && a1 == 254) {
            return AddressCategory.LINK_LOCAL;
        }
        if ((a0 & 0xf0) == 224) {
            return AddressCategory.MULTICAST;
        }
        if ((a0 & 0xf0) == 240 // 240.0.0.0/4 reserved, includes 255.255.255.255
                || (a0 == 192 && a1 == 0 && a2 == 2) || (a0 == 198 && a1 == 51 && a2 == 100)
                || (a0 == 203 && a1 == 0 && a2 == 113)) { // documentation ranges
            return AddressCategory.RESERVED;
        }
        return AddressCategory.PUBLIC;
    }

    private static AddressCategory classifyV6(byte[] b) {
        if (allZero(b, 0, 16)) {
            return AddressCategory.UNSPECIFIED;
        }
        if (allZero(b, 0, 15) && b[15] == 1) {
            return AddressCategory.LOOPBACK;
        }
        if (allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return classifyV4(b, 12); // ::ffff:a.b.c.d IPv4-mapped
        }
        if (allZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && allZero(b, 10, 12)) {
            return classifyV4(b, 12); // ::ffff:0:a.b.c.d IPv4-translated (RFC 2765 SIIT)
        }
        if (allZero(b, 0, 12)) {
            return classifyV4(b, 12); // ::a.b.c.d IPv4-compatible (deprecated, still routed by some stacks)
        }
        if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                && allZero(b, 4, 12)) {
            return classifyV4(b, 12); // 64:ff9b::/96 NAT64 reaches the embedded IPv4 address
        }
        if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                && b[4] == 0 && (b[5] & 0xff) == 0x01) {
            return AddressCategory.PRIVATE; // 64:ff9b:1::/48 local-use NAT64 (RFC 8215): a translator inside the network
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0 && b[3] == 0) {
            // 2001::/32 Teredo tunnels to an obfuscated IPv4 client address; no webhook receiver needs one.
            return AddressCategory.RESERVED;
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
            AddressCategory embedded = classifyV4(b, 2); // 2002::/16 6to4 carries an IPv4 address in bytes 2-5
            if (embedded != AddressCategory.PUBLIC) {
                return embedded;
            }
        }
        if ((b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x00 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2
                && allZero(b, 4, 14) && (b[14] & 0xff) == 0x02 && (b[15] & 0xff) == 0x54) {
            return AddressCategory.CLOUD_METADATA; // fd00:ec2::254, AWS's IPv6 instance metadata
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
            return AddressCategory.LINK_LOCAL; // fe80::/10
        }
        if ((b[0] & 0xfe) == 0xfc || ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0)) {
            return AddressCategory.PRIVATE; // fc00::/7 unique local, fec0::/10 old site-local
        }
        if ((b[0] & 0xff) == 0xff) {
            return AddressCategory.MULTICAST;
        }
        if (((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8)
                || ((b[0] & 0xff) == 0x01 && allZero(b, 1, 8))) {
            return AddressCategory.RESERVED; // 2001:db8::/32 documentation, 100::/64 discard
        }
        return AddressCategory.PUBLIC;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
