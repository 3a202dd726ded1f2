package dev.endure.delivery.ssrf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/** A CIDR range such as {@code 127.0.0.0/8} or {@code ::1/128}, for the SSRF allow-list. */
public final class AddressRange {

    private final byte[] network;
    private final int prefix;
    private final String text;

    private AddressRange(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code address/prefix} or a single address. Only IP literals are accepted, never host
     * names: resolving a name here would be the very DNS trust the guard exists to avoid.
     */
    public static AddressRange parse(String cidr) {
        Objects.requireNonNull(cidr, "cidr");
        String trimmed = cidr.trim();
        int slash = trimmed.indexOf('/');
        String host = slash < 0 ? trimmed : trimmed.substring(0, slash);
        if (host.isEmpty() || !(host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("allow-list entry must be an IP address or CIDR range, not a host name (was '" + cidr + "')");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(host).getAddress(); // a literal: no DNS lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("allow-list entry is not a valid IP address (was '" + cidr + "')");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("allow-list prefix length must be 0 to " + bits + " (was '" + cidr + "')");
            }
        }
        return new AddressRange(bytes, prefix, trimmed);
    }

    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
