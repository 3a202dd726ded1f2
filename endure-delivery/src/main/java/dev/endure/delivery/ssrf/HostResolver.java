package dev.endure.delivery.ssrf;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a host name into addresses. The default is the JVM's resolver; tests substitute a fixed table. */
@FunctionalInterface
public interface HostResolver {

    InetAddress[] resolve(String host) throws UnknownHostException;

    static HostResolver system() {
        return InetAddress::getAllByName;
    }
}
