package dev.endure.example.spring;

import dev.endure.http.ResilientHttpClient;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Seed 004's billing client: a {@link RestClient} on the {@code billing} client of
 * {@code endure.http.clients}, which retries 408/429/5xx and network failures, honours Retry-After and
 * counts against the billing breaker and budget, per host.
 */
@Component
public class BillingClient {

    private final RestClient rest;

    public BillingClient(@Qualifier("billing") ResilientHttpClient billing, @Value("${billing.url}") String baseUrl) {
        this.rest = RestClient.builder().baseUrl(baseUrl).requestFactory(new JdkClientHttpRequestFactory(billing)).build();
    }

    public String invoice(String id) {
        return rest.get().uri("/invoices/{id}", id).retrieve().body(String.class);
    }
}
