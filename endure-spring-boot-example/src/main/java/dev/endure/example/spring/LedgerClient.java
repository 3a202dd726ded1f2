package dev.endure.example.spring;

import dev.endure.spring.annotation.CircuitBreaker;
import dev.endure.spring.annotation.Fallback;
import dev.endure.spring.annotation.Retry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/** The same downstream through annotations on a plain RestClient, with a fallback. */
@Component
public class LedgerClient {

    private final RestClient rest;

    public LedgerClient(@Value("${billing.url}") String baseUrl) {
        this.rest = RestClient.builder().baseUrl(baseUrl).build();
    }

    @Retry("ledger")
    @CircuitBreaker("ledger")
    @Fallback("balanceUnknown")
    public String balance(String account) {
        return rest.get().uri("/balances/{account}", account).retrieve().body(String.class);
    }

    private String balanceUnknown(String account, Exception failure) {
        return "unknown";
    }
}
