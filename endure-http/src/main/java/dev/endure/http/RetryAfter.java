package dev.endure.http;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code Retry-After} header (RFC 9110, section 10.2.3): either delta-seconds or an HTTP-date
 * in any of its three forms. Pure: the caller supplies "now", so parsing is tested without time.
 *
 * <pre>{@code
 * RetryAfter.parse("120", now).delay();                            // Optional[PT2M]
 * RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now).delay();  // time until then, if ahead
 * RetryAfter.parse("soon", now).problem();                         // Optional["not delta-seconds or an HTTP-date"]
 * }</pre>
 *
 * <p>A value that is garbage, negative or a date in the past gives no delay and names its
 * {@link #problem()}; the caller ignores it (and logs it). The delay is not capped here: capping is the
 * retry policy's job ({@code maxRetryAfter}), so that this stays a faithful reading of the header.
 */
public final class RetryAfter {

    /** Delta-seconds beyond this (about 31 years) are read as this: no server means it, and it keeps arithmetic safe. */
    static final long MAX_DELTA_SECONDS = 1_000_000_000L;

    private static final Pattern DELTA_SECONDS = Pattern.compile("\\d+");
    private static final Pattern NEGATIVE = Pattern.compile("-\\s*\\d+");
    // Sun, 06 Nov 1994 08:49:37 GMT
    private static final Pattern IMF_FIXDATE = Pattern.compile(
            "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ([A-Z][a-z]{2}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
    // Sunday, 06-Nov-94 08:49:37 GMT
    private static final Pattern RFC_850 = Pattern.compile(
            "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-([A-Z][a-z]{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
    // Sun Nov  6 08:49:37 1994
    private static final Pattern ASCTIME = Pattern.compile(
            "(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})");
    private static final Map<String, Integer> MONTHS = Map.ofEntries(
            Map.entry("Jan", 1), Map.entry("Feb", 2), Map.entry("Mar", 3), Map.entry("Apr", 4),
            Map.entry("May", 5), Map.entry("Jun", 6), Map.entry("Jul", 7), Map.entry("Aug", 8),
            Map.entry("Sep", 9), Map.entry("Oct", 10), Map.entry("Nov", 11), Map.entry("Dec", 12));

    private static final RetryAfter ABSENT = new RetryAfter(null, null, null);

    private final String header;
    private final Duration delay;
    private final String problem;

    private RetryAfter(String header, Duration delay, String problem) {
        this.header = header;
        this.delay = delay;
        this.problem = problem;
    }

    /**
     * Reads a {@code Retry-After} value.
     *
     * @param header the header's value; null or blank means the header was absent (no delay, no problem)
     * @param now the current wall-clock time, against which an HTTP-date is measured
     */
    public static RetryAfter parse(String header, Instant now) {
        Objects.requireNonNull(now, "now");
        if (header == null || header.isBlank()) {
            return ABSENT;
        }
        String value = header.trim();
        if (DELTA_SECONDS.matcher(value).matches()) {
            // Leading zeros and absurdly long digit strings are both legal delta-seconds.
            String digits = value.replaceFirst("^0+(?=\\d)", "");
            long seconds = digits.length() > 10 ? MAX_DELTA_SECONDS : Math.min(Long.parseLong(digits), MAX_DELTA_SECONDS);
            return new RetryAfter(header, Duration.ofSeconds(seconds), null);
        }
        if (NEGATIVE.matcher(value).matches()) {
            return problem(header, "negative delta-seconds");
        }
        Instant date;
        try {
            date = parseHttpDate(value, now);
        } catch (DateTimeException impossible) {
            return problem(header, "not a valid date (" + impossible.getMessage() + ")");
        }
        if (date == null) {
            return problem(header, "not delta-seconds or an HTTP-date");
        }
        if (date.isBefore(now)) {
            return problem(header, "the date is in the past (" + Duration.between(date, now).toSeconds() + " s ago)");
        }
        return new RetryAfter(header, Duration.between(now, date), null);
    }

    private static RetryAfter problem(String header, String problem) {
        return new RetryAfter(header, null, problem);
    }

    /** The HTTP-date in {@code value} as an instant; null if it is in none of the three forms. */
    private static Instant parseHttpDate(String value, Instant now) {
        Matcher imf = IMF_FIXDATE.matcher(value);
        if (imf.matches()) {
            return at(Integer.parseInt(imf.group(4)), month(imf.group(3)), imf.group(2), imf.group(5), imf.group(6), imf.group(7));
        }
        Matcher rfc850 = RFC_850.matcher(value);
        if (rfc850.matches()) {
            return at(fullYear(Integer.parseInt(rfc850.group(4)), now), month(rfc850.group(3)), rfc850.group(2),
                    rfc850.group(5), rfc850.group(6), rfc850.group(7));
        }
        Matcher asctime = ASCTIME.matcher(value);
        if (asctime.matches()) {
            return at(Integer.parseInt(asctime.group(7)), month(asctime.group(2)), asctime.group(3).trim(),
                    asctime.group(4), asctime.group(5), asctime.group(6));
        }
        return null;
    }

    private static int month(String name) {
        Integer month = MONTHS.get(name);
        if (month == null) {
            throw new DateTimeException("unknown month '" + name + "'");
        }
        return month;
    }

    /**
     * RFC 9110: a two-digit year that would be more than 50 years in the future is the most recent past
     * year with the same last two digits.
     */
    private static int fullYear(int twoDigits, Instant now) {
        int thisYear = LocalDateTime.ofInstant(now, ZoneOffset.UTC).getYear();
        int year = thisYear - Math.floorMod(thisYear, 100) + twoDigits;
        return year > thisYear + 50 ? year - 100 : year;
    }

    private static Instant at(int year, int month, String day, String hour, String minute, String second) {
        // The weekday is not cross-checked: a wrong weekday is a sender's slip, the date is still clear.
        return LocalDateTime.of(year, month, Integer.parseInt(day), Integer.parseInt(hour), Integer.parseInt(minute),
                Integer.parseInt(second)).toInstant(ZoneOffset.UTC);
    }

    /** How long to wait at least; empty if the header was absent or unusable. */
    public Optional<Duration> delay() {
        return Optional.ofNullable(delay);
    }

    /** Why the value was ignored; empty if it was absent or usable. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** True if a header was there but could not be used. */
    public boolean isUnusable() {
        return problem != null;
    }

    /** The raw header value; null if absent. */
    public String header() {
        return header;
    }

    @Override
    public String toString() {
        if (header == null) {
            return "RetryAfter[absent]";
        }
        return "RetryAfter['" + header + "' -> " + (delay != null ? delay : "ignored: " + problem) + "]";
    }

    /** For messages: the value quoted and shortened, since a broken server can send anything. */
    static String quoted(String value) {
        String shown = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        StringBuilder text = new StringBuilder("'");
        for (char c : shown.toCharArray()) {
            text.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return text.append('\'').toString();
    }
}
