package dev.endure.example.spring;

import dev.endure.spring.annotation.TransactionRetry;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Seed 000's units service: books units against an authorization's limit in a SERIALIZABLE transaction;
 * a serialization failure (40001) re-runs the whole transaction, reads included.
 */
@Service
public class UnitsService {

    private final JdbcTemplate jdbc;

    public UnitsService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Books {@code units} for {@code authorization}; returns the total booked, or throws if over the limit. */
    @TransactionRetry
    @Transactional(isolation = Isolation.SERIALIZABLE)
    public int book(String authorization, int units) {
        int limit = jdbc.queryForObject("SELECT max_units FROM authorizations WHERE id = ?", Integer.class, authorization);
        int booked = jdbc.queryForObject("SELECT COALESCE(SUM(units), 0) FROM bookings WHERE authorization_id = ?",
                Integer.class, authorization);
        if (booked + units > limit) {
            throw new IllegalStateException("authorization " + authorization + " has " + (limit - booked) + " units left");
        }
        jdbc.update("INSERT INTO bookings (authorization_id, units) VALUES (?, ?)", authorization, units);
        return booked + units;
    }
}
