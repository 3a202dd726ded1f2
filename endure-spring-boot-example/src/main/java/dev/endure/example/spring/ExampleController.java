package dev.endure.example.spring;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class ExampleController {

    private final BillingClient billing;
    private final LedgerClient ledger;
    private final UnitsService units;

    public ExampleController(BillingClient billing, LedgerClient ledger, UnitsService units) {
        this.billing = billing;
        this.ledger = ledger;
        this.units = units;
    }

    @GetMapping("/invoices/{id}")
    public String invoice(@PathVariable String id) {
        return billing.invoice(id);
    }

    @GetMapping("/balances/{account}")
    public String balance(@PathVariable String account) {
        return ledger.balance(account);
    }

    @PostMapping("/authorizations/{id}/bookings")
    public Map<String, Object> book(@PathVariable String id, @RequestParam int units) {
        return Map.of("authorization", id, "booked", this.units.book(id, units));
    }

    @ExceptionHandler(IllegalStateException.class)
    @ResponseStatus(HttpStatus.CONFLICT)
    public Map<String, String> overLimit(IllegalStateException refused) {
        return Map.of("error", refused.getMessage());
    }
}
