package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.server.api.OpenApiDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's API section against the OpenAPI document: its route table lists exactly the documented
 * operations, and every curl example calls a documented one. A route added to the server (and so, by
 * OpenApiContractTest, to the document) fails here until the README shows it.
 */
class ReadmeApiTest {

    private static final Pattern ROW = Pattern.compile("(?m)^\\| (GET|POST|PUT|PATCH|DELETE) \\| `([^`]+)` \\|");
    private static final Pattern CURL = Pattern.compile("curl\\s+(?:-s\\s+)?(?:-X\\s+(GET|POST|PUT|PATCH|DELETE)\\s+)?\"?\\$BASE(/[^\\s\"?]*)");

    private final OpenApiContract contract = new OpenApiContract(OpenApiDocument.tree());

    private static String apiSection() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## API\n");
        assertThat(start).as("README.md has an '## API' section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    @Test
    void theRouteTableListsExactlyTheDocumentedOperations() throws IOException {
        Set<String> listed = new TreeSet<>();
        Matcher row = ROW.matcher(apiSection());
        while (row.find()) {
            listed.add(row.group(1) + " " + row.group(2));
        }
        Set<String> missing = new TreeSet<>(contract.operations());
        missing.removeAll(listed);
        Set<String> extra = new TreeSet<>(listed);
        extra.removeAll(contract.operations());
        assertThat(missing).as("documented operations the README's route table leaves out").isEmpty();
        assertThat(extra).as("routes the README's table lists that the OpenAPI document does not").isEmpty();
    }

    @Test
    void everyCurlExampleCallsADocumentedOperation() throws IOException {
        List<String> calls = new ArrayList<>();
        List<String> undocumented = new ArrayList<>();
        Matcher curl = CURL.matcher(apiSection());
        while (curl.find()) {
            String method = curl.group(1) == null ? "GET" : curl.group(1);
            String path = curl.group(2).replace("...", "x");
            calls.add(method + " " + path);
            if (contract.operationFor(method, path) == null) {
                undocumented.add(method + " " + curl.group(2));
            }
        }
        assertThat(calls).as("curl examples found in the API section").hasSizeGreaterThan(10);
        assertThat(undocumented).as("curl examples calling routes the OpenAPI document does not list").isEmpty();
    }
}
