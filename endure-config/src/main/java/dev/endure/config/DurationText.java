package dev.endure.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The one duration grammar of Endure configuration files.
 *
 * <pre>
 * duration := friendly | iso-8601 | "0"
 * friendly := part part*              500ms  1.5s  2m  1h30m  10h  7d
 * part     := number unit             number: digits, optionally '.' digits
 * unit     := ns | us | ms | s | m | h | d      (m is minutes; units go from large to small, once each)
 * iso-8601 := what java.time.Duration.parse accepts: PT2M, PT0.5S, P1D
 * </pre>
 *
 * No spaces, no signs, no bare numbers but {@code 0}: "500" would be read as milliseconds by one
 * reader and as seconds by the next, so it is an error that says which unit to add.
 */
public final class DurationText {

    private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
            "ns", 1L, "us", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L,
            "m", 60_000_000_000L, "h", 3_600_000_000_000L, "d", 86_400_000_000_000L);
    private static final String[] UNIT_ORDER = {"d", "h", "m", "s", "ms", "us", "ns"};
    private static final Map<String, String> COMMON_MISTAKES = Map.of(
            "min", "m", "mins", "m", "sec", "s", "secs", "s", "hr", "h", "hrs", "h", "µs", "us", "millis", "ms");

    private DurationText() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with a message that says what to write instead
     */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("must be a duration such as 500ms, 2m or 10h, not empty");
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (text.startsWith("-")) {
            throw new IllegalArgumentException("must not be negative");
        }
        if (text.startsWith("P") || text.startsWith("p")) {
            try {
                Duration parsed = Duration.parse(text);
                if (parsed.isNegative()) {
                    throw new IllegalArgumentException("must not be negative");
                }
                return parsed;
            } catch (DateTimeParseException bad) {
                throw new IllegalArgumentException("is not an ISO-8601 duration such as PT2M");
            }
        }
        if (text.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
            throw new IllegalArgumentException("needs a unit, e.g. " + text + "ms, " + text + "s or " + text + "m");
        }
        if (text.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("must not contain spaces, e.g. " + text.replaceAll("\\s+", ""));
        }
        BigInteger total = BigInteger.ZERO;
        int position = 0;
        int lastUnitRank = -1;
        while (position < text.length()) {
            int numberStart = position;
            while (position < text.length() && (Character.isDigit(text.charAt(position)) || text.charAt(position) == '.')) {
                position++;
            }
            int unitStart = position;
            while (position < text.length() && !Character.isDigit(text.charAt(position)) && text.charAt(position) != '.') {
                position++;
            }
            String number = text.substring(numberStart, unitStart);
            String unit = text.substring(unitStart, position);
            if (number.isEmpty() || !number.matches("\\d+(\\.\\d+)?")) {
                throw new IllegalArgumentException(grammarHint());
            }
            Long nanosPerUnit = NANOS_PER_UNIT.get(unit);
            if (nanosPerUnit == null) {
                String instead = COMMON_MISTAKES.get(unit);
                throw new IllegalArgumentException(unit.isEmpty() ? "needs a unit after " + number + "; " + grammarHint()
                        : "has the unknown unit '" + unit + "'" + (instead == null ? "" : "; write " + number + instead)
                        + (instead == null ? "; " + grammarHint() : ""));
            }
            int rank = rank(unit);
            if (rank <= lastUnitRank) {
                throw new IllegalArgumentException("must list units from largest to smallest, each once, e.g. 1h30m");
            }
            lastUnitRank = rank;
            BigDecimal nanos = new BigDecimal(number).multiply(BigDecimal.valueOf(nanosPerUnit));
            if (nanos.stripTrailingZeros().scale() > 0) {
                throw new IllegalArgumentException("is finer than a nanosecond");
            }
            total = total.add(nanos.toBigIntegerExact());
        }
        BigInteger[] secondsAndNanos = total.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
        if (secondsAndNanos[0].bitLength() > 62) {
            throw new IllegalArgumentException("is too long");
        }
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
    }

    /**
     * Writes {@code duration} in the friendly grammar, largest units first: {@code 1h30m}, {@code 500ms};
     * {@code parse(format(d))} gives {@code d} back.
     */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("cannot write a negative duration (was " + duration + ")");
        }
        if (duration.isZero()) {
            return "0";
        }
        BigInteger rest = BigInteger.valueOf(duration.getSeconds()).multiply(BigInteger.valueOf(1_000_000_000L))
                .add(BigInteger.valueOf(duration.getNano()));
        StringBuilder text = new StringBuilder();
        for (String unit : UNIT_ORDER) {
            BigInteger[] split = rest.divideAndRemainder(BigInteger.valueOf(NANOS_PER_UNIT.get(unit)));
            if (split[0].signum() > 0) {
                text.append(split[0]).append(unit);
            }
            rest = split[1];
        }
        return text.toString();
    }

    private static int rank(String unit) {
        for (int i = 0; i < UNIT_ORDER.length; i++) {
            if (UNIT_ORDER[i].equals(unit)) {
                return i;
            }
        }
        throw new AssertionError(unit);
    }

    private static String grammarHint() {
        return "write a number and a unit (ns, us, ms, s, m, h, d), e.g. 500ms, 1.5s, 2m, 1h30m, or ISO-8601 such as PT2M";
    }
}
