package dev.endure.delivery.ssrf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SsrfGuardTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "93.184.216.34, PUBLIC",
            "2606:2800:220:1:248:1893:25c8:1946, PUBLIC",
            "127.0.0.1, LOOPBACK",
            "127.255.0.9, LOOPBACK",
            "::1, LOOPBACK",
            "10.1.2.3, PRIVATE",
            "172.16.0.1, PRIVATE",
            "172.31.255.255, PRIVATE",
            "192.168.1.1, PRIVATE",
            "100.64.0.1, PRIVATE",
            "fd12:3456::1, PRIVATE",
            "fc00::1, PRIVATE",
            "169.254.1.1, LINK_LOCAL",
            "fe80::1, LINK_LOCAL",
            "169.254.169.254, CLOUD_METADATA",
            "169.254.170.2, CLOUD_METADATA",
            "100.100.100.200, CLOUD_METADATA",
            "fd00:ec2::254, CLOUD_METADATA",
            "224.0.0.1, MULTICAST",
            "ff02::1, MULTICAST",
            "0.0.0.0, UNSPECIFIED",
            "::, UNSPECIFIED",
            "255.255.255.255, RESERVED",
            "::127.0.0.1, LOOPBACK",
            "64:ff9b::a9fe:a9fe, CLOUD_METADATA",
            "2002:0a00:0001::, PRIVATE",
            "172.32.0.1, PUBLIC",
    })
    void classifiesAddresses(String literal, AddressCategory expected) throws Exception {
        assertThat(AddressClassifier.classify(InetAddress.getByName(literal))).isEqualTo(expected);
    }

    // Issue 11, defect 6: these IPv6 translation and tunnelling ranges were judged public.
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "::ffff:0:7f00:1, LOOPBACK",          // ::ffff:0:0/96 IPv4-translated, carries 127.0.0.1
            "::ffff:0:a9fe:a9fe, CLOUD_METADATA", // ... carries 169.254.169.254
            "::ffff:0:a00:1, PRIVATE",            // ... carries 10.0.0.1
            "64:ff9b:1::a9fe:a9fe, PRIVATE",      // 64:ff9b:1::/48 local-use NAT64
            "64:ff9b:1:ffff::1, PRIVATE",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2, RESERVED", // 2001::/32 Teredo
            "2001::1, RESERVED",
            "2001:4860:4860::8888, PUBLIC",       // 2001:4860::/32 is not Teredo
    })
    void judgesTranslationAndTunnelRangesAsNotPublic(String literal, AddressCategory expected) throws Exception {
        assertThat(AddressClassifier.classify(InetAddress.getByName(literal))).isEqualTo(expected);
    }

    // Issue 11, defect 6: Java reads 0177.0.0.1 as 177.0.0.1, curl and browsers as 127.0.0.1.
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"http://0177.0.0.1/", "http://127.000.000.001/", "http://010.0.0.1/x",
            "http://0x7f.0.0.1/", "http://2130706433/", "http://127.1/", "http://1.2.3.4.5/"})
    void refusesIpv4LiteralsOtherToolsReadDifferently(String url) {
        SsrfGuard guard = SsrfGuard.defaults().withResolver(host -> InetAddress.getAllByName("93.184.216.34"));
        // java.net.URI finds no host at all in some of these; either way the URL is refused.
        assertThatThrownBy(() -> guard.vet(URI.create(url))).isInstanceOf(SsrfBlockedException.class)
                .message().containsAnyOf("four decimal numbers", "has no host");
    }

    // Issue 11, defect 2: a port above 65535 was accepted and the worker looped on it forever.
    @Test
    void refusesPortsOutsideTheTcpRange() {
        SsrfGuard guard = SsrfGuard.defaults().allowingLoopback();
        for (String url : new String[] {"http://127.0.0.1:99999/", "http://127.0.0.1:65536/", "http://127.0.0.1:0/"}) {
            assertThatThrownBy(() -> guard.vet(URI.create(url))).as(url).isInstanceOf(SsrfBlockedException.class)
                    .hasMessageContaining("port");
        }
    }

    @Test
    void judgesIpv4MappedIpv6AddressesByTheirIpv4Address() throws Exception {
        // InetAddress.getByName("::ffff:127.0.0.1") already returns an Inet4Address; build the real
        // IPv6 object as a socket API could hand it to us.
        assertThat(AddressClassifier.classify(mapped(127, 0, 0, 1))).isEqualTo(AddressCategory.LOOPBACK);
        assertThat(AddressClassifier.classify(mapped(169, 254, 169, 254))).isEqualTo(AddressCategory.CLOUD_METADATA);
        assertThat(AddressClassifier.classify(mapped(10, 0, 0, 1))).isEqualTo(AddressCategory.PRIVATE);
        assertThat(AddressClassifier.classify(mapped(8, 8, 8, 8))).isEqualTo(AddressCategory.PUBLIC);
    }

    @Test
    void refusesNamesThatResolveToInternalAddresses() {
        SsrfGuard guard = SsrfGuard.defaults().withResolver(table(Map.of(
                "hooks.example.test", new String[] {"10.0.0.5"},
                "mixed.example.test", new String[] {"93.184.216.34", "169.254.169.254"},
                "ok.example.test", new String[] {"93.184.216.34"})));
        assertThatThrownBy(() -> guard.vet(URI.create("https://hooks.example.test/x")))
                .isInstanceOf(SsrfBlockedException.class)
                .hasMessage("webhook URL https://hooks.example.test/x resolves to 10.0.0.5, a private address; "
                        + "add it to the SSRF allow-list to permit it")
                .extracting(e -> ((SsrfBlockedException) e).category()).isEqualTo(AddressCategory.PRIVATE);
        assertThatThrownBy(() -> guard.vet(URI.create("https://mixed.example.test/x")))
                .hasMessageContaining("a cloud metadata address");
        assertThatThrownBy(() -> guard.vet(URI.create("http://127.0.0.1:8080/x")))
                .hasMessageContaining("a loopback address");
        assertThatThrownBy(() -> guard.vet(URI.create("http://[::ffff:7f00:1]/x")))
                .hasMessageContaining("a loopback address");
        assertThatThrownBy(() -> guard.vet(URI.create("file:///etc/passwd")))
                .hasMessage("webhook URL file:///etc/passwd must use http or https (was 'file')");
        assertThatThrownBy(() -> guard.vet(URI.create("http://user:hunter2@ok.example.test/")))
                .message().doesNotContain("hunter2");
    }

    @Test
    void allowListLetsLoopbackThroughAndNothingElse() throws Exception {
        SsrfGuard guard = SsrfGuard.defaults().allowingLoopback();
        assertThat(guard.vet(URI.create("http://127.0.0.1:9/x"))).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(guard.vet(URI.create("http://[::1]:9/x"))).containsExactly(InetAddress.getByName("::1"));
        assertThatThrownBy(() -> guard.vet(URI.create("http://10.0.0.1/x"))).isInstanceOf(SsrfBlockedException.class);
        SsrfGuard office = SsrfGuard.defaults().allowing("10.20.0.0/16");
        assertThat(office.vet(URI.create("http://10.20.3.4/x"))).hasSize(1);
        assertThatThrownBy(() -> office.vet(URI.create("http://10.21.3.4/x"))).isInstanceOf(SsrfBlockedException.class);
    }

    @Test
    void allowListTakesOnlyIpLiterals() {
        assertThatThrownBy(() -> SsrfGuard.defaults().allowing("localhost"))
                .hasMessage("allow-list entry must be an IP address or CIDR range, not a host name (was 'localhost')");
        assertThatThrownBy(() -> SsrfGuard.defaults().allowing("10.0.0.0/33"))
                .hasMessage("allow-list prefix length must be 0 to 32 (was '10.0.0.0/33')");
    }

    @Test
    void returnsTheAddressesItCheckedSoTheTransportCanConnectToThem() throws Exception {
        // A rebinding resolver: public the first time, metadata afterwards. The guard resolves once;
        // whatever it returns is what gets connected to (see HttpClientTransportTest).
        int[] calls = {0};
        SsrfGuard guard = SsrfGuard.defaults().withResolver(host -> new InetAddress[] {
                InetAddress.getByName(calls[0]++ == 0 ? "93.184.216.34" : "169.254.169.254")});
        List<InetAddress> vetted = guard.vet(URI.create("https://rebind.example.test/"));
        assertThat(vetted).containsExactly(InetAddress.getByName("93.184.216.34"));
        assertThat(calls[0]).isEqualTo(1);
    }

    static HostResolver table(Map<String, String[]> entries) {
        return host -> {
            String[] literals = entries.get(host);
            if (literals == null) {
                throw new UnknownHostException(host);
            }
            InetAddress[] addresses = new InetAddress[literals.length];
            for (int i = 0; i < literals.length; i++) {
                addresses[i] = InetAddress.getByAddress(host, InetAddress.getByName(literals[i]).getAddress());
            }
            return addresses;
        };
    }

    private static InetAddress mapped(int a, int b, int c, int d) throws Exception {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        bytes[12] = (byte) a;
        bytes[13] = (byte) b;
        bytes[14] = (byte) c;
        bytes[15] = (byte) d;
        InetAddress address = Inet6Address.getByAddress(null, bytes, -1);
        assertThat(address).isInstanceOf(Inet6Address.class);
        return address;
    }
}
