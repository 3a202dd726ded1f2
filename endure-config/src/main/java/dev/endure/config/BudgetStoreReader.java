package dev.endure.config;

import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Section;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads the {@code budgetStore} section into {@link BudgetStoreSettings}, by the store builder's rules. */
final class BudgetStoreReader {

    private static final List<String> KEYS = List.of("table", "syncInterval", "staleAfter");

    private final Problems problems;

    BudgetStoreReader(Problems problems) {
        this.problems = problems;
    }

    /** The settings, or null when they have errors (they are in {@link Problems}). */
    BudgetStoreSettings read(Section store) {
        int errorsBefore = problems.errors().size();
        String table = store.string("table");
        Duration syncInterval = store.duration("syncInterval");
        Duration staleAfter = store.duration("staleAfter");
        Boolean createTable = store.bool("createTable");
        store.rejectUnknownKeys();
        if (problems.errors().size() > errorsBefore) {
            return null;
        }
        BudgetStoreSettings settings = new BudgetStoreSettings(Optional.ofNullable(table), Optional.ofNullable(syncInterval),
                Optional.ofNullable(staleAfter), createTable == null || createTable);
        try {
            settings.validate();
            return settings;
        } catch (IllegalArgumentException rejectedByTheStore) {
            // The builder's messages start with the setting's name: "staleAfter must be at least the syncInterval ..."
            String message = rejectedByTheStore.getMessage();
            String key = KEYS.stream().filter(message::startsWith).findFirst().orElse(null);
            if (key == null) {
                problems.addWithoutValue(store.path(), message, store.location());
            } else {
                problems.add(store.pathOf(key), store.node(key), inConfigTerms(message.substring(key.length()).strip()));
            }
            return null;
        }
    }

    /** The builder's rule without its "(was …)" (the error shows the value as written) and with durations as the file writes them. */
    private static String inConfigTerms(String rule) {
        String withoutValue = WAS.matcher(rule).replaceFirst("");
        return ISO_DURATION.matcher(withoutValue).replaceAll(match -> DurationText.format(Duration.parse(match.group())));
    }

    private static final Pattern WAS = Pattern.compile("\\s*\\(was [^)]*\\)$");
    private static final Pattern ISO_DURATION = Pattern.compile("PT[0-9.HMS]+");
}
