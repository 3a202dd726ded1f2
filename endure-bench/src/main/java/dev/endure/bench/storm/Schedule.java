package dev.endure.bench.storm;

import java.util.List;

/**
 * When each variant runs and in which phase the service is, on the wall clock every JVM of the run shares
 * (one machine): variant after variant, each in a slot of flaky, down and healed phases, with a short gap
 * between slots so that one variant's last retries do not land in the next one's slot.
 */
record Schedule(long startMillis, long flakyMillis, long downMillis, long healedMillis, long gapMillis, List<Variant> variants) {

    enum Phase { BEFORE, FLAKY, DOWN, HEALED, AFTER }

    long slotMillis() {
        return flakyMillis + downMillis + healedMillis + gapMillis;
    }

    long slotStart(int index) {
        return startMillis + index * slotMillis();
    }

    long outageStart(int index) {
        return slotStart(index) + flakyMillis;
    }

    long healAt(int index) {
        return outageStart(index) + downMillis;
    }

    long slotEnd(int index) {
        return healAt(index) + healedMillis;
    }

    long endMillis() {
        return slotStart(variants.size());
    }

    Phase phase(int index, long epochMillis) {
        if (epochMillis < slotStart(index)) {
            return Phase.BEFORE;
        }
        if (epochMillis < outageStart(index)) {
            return Phase.FLAKY;
        }
        if (epochMillis < healAt(index)) {
            return Phase.DOWN;
        }
        return epochMillis < slotEnd(index) ? Phase.HEALED : Phase.AFTER;
    }

    /** Command-line form, for the client JVMs. */
    String encode() {
        return startMillis + ":" + flakyMillis + ":" + downMillis + ":" + healedMillis + ":" + gapMillis + ":"
                + String.join(",", variants.stream().map(Variant::name).toList());
    }

    static Schedule decode(String text) {
        String[] parts = text.split(":");
        return new Schedule(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]),
                Long.parseLong(parts[4]), java.util.Arrays.stream(parts[5].split(",")).map(Variant::valueOf).toList());
    }
}
