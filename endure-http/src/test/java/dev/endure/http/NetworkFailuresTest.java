package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.MalformedInputException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class NetworkFailuresTest {

    @Test
    void retriesTheFailuresANewAttemptMayNotMeet() {
        assertThat(NetworkFailures.isTransient(new ConnectException("Connection refused"))).isTrue();
        assertThat(NetworkFailures.isTransient(new HttpConnectTimeoutException("HTTP connect timed out"))).isTrue();
        assertThat(NetworkFailures.isTransient(new HttpTimeoutException("request timed out"))).isTrue();
        assertThat(NetworkFailures.isTransient(new SocketException("Connection reset"))).isTrue();
        assertThat(NetworkFailures.isTransient(new EOFException("EOF reached while reading"))).isTrue();
        assertThat(NetworkFailures.isTransient(new ClosedChannelException())).isTrue();
        assertThat(NetworkFailures.isTransient(new IOException("HTTP/1.1 header parser received no bytes"))).isTrue();
    }

    @Test
    void doesNotRetryFailuresThatWillRepeat() {
        assertThat(NetworkFailures.isTransient(new SSLHandshakeException("PKIX path building failed"))).isFalse();
        assertThat(NetworkFailures.isTransient(new ProtocolException("Invalid status line"))).isFalse();
        assertThat(NetworkFailures.isTransient(new MalformedInputException(1))).isFalse();
        assertThat(NetworkFailures.isTransient(new IllegalArgumentException("bad URI"))).isFalse();
        assertThat(NetworkFailures.isTransient(null)).isFalse();
    }

    @Test
    void namesEachKindForLogs() {
        assertThat(NetworkFailures.describe(new ConnectException())).isEqualTo("connection refused (java.net.ConnectException)");
        assertThat(NetworkFailures.describe(new HttpConnectTimeoutException("HTTP connect timed out")))
                .startsWith("connect timed out (");
        assertThat(NetworkFailures.describe(new HttpTimeoutException("request timed out"))).startsWith("request timed out (");
        assertThat(NetworkFailures.describe(new SocketException("Connection reset"))).startsWith("connection reset (");
        assertThat(NetworkFailures.describe(new IOException("HTTP/1.1 header parser received no bytes")))
                .startsWith("connection closed before the response (");
        assertThat(NetworkFailures.describe(new IOException("fixed content-length: 100, bytes received: 10")))
                .startsWith("connection closed during the response body (");
    }
}
