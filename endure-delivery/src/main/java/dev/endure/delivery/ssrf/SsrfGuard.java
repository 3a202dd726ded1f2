package dev.endure.delivery.ssrf;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Decides which addresses a webhook may be sent to, on by default. {@link #vet(URI)} resolves the
 * host once and returns the addresses that passed; the transport then connects to exactly those
 * addresses (see {@code HttpClientTransport}), so a DNS answer that changes between the check and the
 * connect (DNS rebinding) cannot redirect the request. If any resolved address is refused, the whole
 * URL is refused: a name that mixes public and private answers is an attack, not a configuration.
 *
 * <pre>{@code
 * SsrfGuard guard = SsrfGuard.defaults();                              // production
 * SsrfGuard local = SsrfGuard.defaults().allowing("127.0.0.0/8", "::1"); // tests, local development
 * }</pre>
 */
public final class SsrfGuard {

    private final List<AddressRange> allowed;
    private final HostResolver resolver;

    private SsrfGuard(List<AddressRange> allowed, HostResolver resolver) {
        this.allowed = List.copyOf(allowed);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** Refuses everything but public addresses; resolves with the JVM's resolver. */
    public static SsrfGuard defaults() {
        return new SsrfGuard(List.of(), HostResolver.system());
    }

    /** This guard, additionally permitting the given IP ranges (CIDR or single addresses, never names). */
    public SsrfGuard allowing(String... cidrs) {
        List<AddressRange> ranges = new ArrayList<>(allowed);
        for (String cidr : cidrs) {
            ranges.add(AddressRange.parse(cidr));
        }
        return new SsrfGuard(ranges, resolver);
    }

    /** This guard with loopback (127.0.0.0/8 and ::1) allowed: tests and local development. */
    public SsrfGuard allowingLoopback() {
        return allowing("127.0.0.0/8", "::1/128");
    }

    /** This guard resolving names with {@code resolver}. */
    public SsrfGuard withResolver(HostResolver resolver) {
        return new SsrfGuard(allowed, resolver);
    }

    /** The allow-list. */
    public List<AddressRange> allowed() {
        return allowed;
    }

    /**
     * Checks the URL's scheme and resolves its host once.
     *
     * @return every address the host resolved to, all permitted, in resolver order
     * @throws SsrfBlockedException if the URL is not http(s), has no host, or any address is refused
     * @throws UnknownHostException if the host does not resolve
     */
    public List<InetAddress> vet(URI url) throws SsrfBlockedException, UnknownHostException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SsrfBlockedException("webhook URL " + url + " must use http or https (was '" + scheme + "')", null);
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new SsrfBlockedException("webhook URL " + url + " has no host", null);
        }
        if (url.getUserInfo() != null) {
            throw new SsrfBlockedException("webhook URL must not carry credentials before the host", null);
        }
        if (url.getPort() != -1 && (url.getPort() < 1 || url.getPort() > 65535)) {
            throw new SsrfBlockedException("webhook URL " + url + " has port " + url.getPort() + "; a port is 1 to 65535", null);
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (looksNumeric(bare) && !isDottedQuad(bare)) {
            // Java reads 0177.0.0.1 as 177.0.0.1 where curl and browsers read octal 127.0.0.1; 127.1 and
            // 2130706433 are read differently again. Only one spelling is unambiguous to every tool.
            throw new SsrfBlockedException("webhook URL " + url + " has the host " + bare + ", which tools read differently;"
                    + " write an IPv4 address as four decimal numbers 0-255 without leading zeros, e.g. 127.0.0.1", null);
        }
        // An IP literal is parsed, never looked up; only names go through the resolver.
        InetAddress[] addresses = isIpLiteral(bare) ? new InetAddress[] {InetAddress.getByName(bare)} : resolver.resolve(bare);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException("webhook host " + bare + " resolved to no address");
        }
        for (InetAddress address : addresses) {
            check(url, address);
        }
        return List.of(addresses);
    }

    /** Checks one address against the categories and the allow-list. */
    public void check(URI url, InetAddress address) throws SsrfBlockedException {
        AddressCategory category = AddressClassifier.classify(address);
        if (category == AddressCategory.PUBLIC || isAllowListed(address)) {
            return;
        }
        throw new SsrfBlockedException("webhook URL " + url + " resolves to " + address.getHostAddress() + ", "
                + category.describe() + "; add it to the SSRF allow-list to permit it", category);
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || isDottedQuad(host);
    }

    /**
     * Whether a host could be taken for a number by some resolver: its last label starts with a digit
     * (a real top-level domain never does), e.g. {@code 0x7f.1}, {@code 2130706433}, {@code 127.1}.
     */
    private static boolean looksNumeric(String host) {
        if (host.indexOf(':') >= 0 || host.isEmpty()) {
            return false;
        }
        String trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = trimmed.substring(trimmed.lastIndexOf('.') + 1);
        return !last.isEmpty() && Character.isDigit(last.charAt(0));
    }

    /** Four decimal numbers 0-255 without leading zeros: the one IPv4 spelling every tool reads alike. */
    private static boolean isDottedQuad(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (part.length() > 1 && part.charAt(0) == '0') || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private boolean isAllowListed(InetAddress address) {
        for (AddressRange range : allowed) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SsrfGuard[allowing " + allowed + "]";
    }
}
