package dev.endure.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code ```java} block of README.md and the modules' READMEs compiles against the current code, as
 * written, with its imports. A block that declares a type is compiled as a file; any other block is the
 * body of a method ({@code void run() throws Exception}) or, when it declares methods, the members of a
 * class. Variables a fragment uses without declaring them (the {@code dataSource} of a sentence) are
 * named in an HTML comment right above the block, which renders as nothing:
 *
 * <pre>
 * &lt;!-- given: javax.sql.DataSource dataSource; abstract int reserve(long id, int units); --&gt;
 * </pre>
 *
 * All blocks compile in one javac run (a second or two); each is reported as its own test, named by file
 * and line, with javac's errors pointing at README lines.
 */
class ReadmeSnippetsTest {

    private static final Pattern FENCE = Pattern.compile("(?m)^```java[ \\t]*\\n(.*?)^```[ \\t]*$", Pattern.DOTALL);
    private static final Pattern GIVEN = Pattern.compile("<!--\\s*given:((?:(?!-->).)*)-->\\s*$", Pattern.DOTALL);
    private static final Pattern TYPE = Pattern.compile("(?m)^(public |final |abstract |sealed )*(class|record|interface|enum) \\w+");
    private static final Pattern PUBLIC_TYPE = Pattern.compile("(?m)^public (final |abstract |sealed )*(class|record|interface|enum) (\\w+)");
    private static final Pattern METHOD = Pattern.compile("(?m)^[\\w<>\\[\\], ?]+ \\w+\\([^;]*\\)\\s*(throws [\\w., ]+)?\\{\\s*$");
    private static final Pattern IMPORT = Pattern.compile("^import (static )?[\\w.*]+;\\s*(//.*)?$");

    record Snippet(String file, int line, String code, String given, int index) {

        String packageName() {
            return "readme.s" + index;
        }

        String name() {
            return file + ":" + line;
        }

        /** javac wants a public type in a file of its name. */
        String fileName() {
            Matcher type = PUBLIC_TYPE.matcher(code);
            return (type.find() ? type.group(3) : "Snippet") + ".java";
        }

        /** The compilation unit: line k of it is line k of the snippet, so javac's line numbers map back to the README. */
        String unit() {
            List<String> lines = new ArrayList<>(code.lines().toList());
            if (TYPE.matcher(code).find()) {
                lines.set(0, "package " + packageName() + "; " + lines.get(0));
                return String.join("\n", lines) + "\n";
            }
            int firstBody = 0;
            while (firstBody < lines.size() && (IMPORT.matcher(lines.get(firstBody)).matches() || lines.get(firstBody).isBlank())) {
                firstBody++;
            }
            boolean members = METHOD.matcher(code).find();
            String header = "@SuppressWarnings(\"all\") abstract class Snippet { " + given.replace('\n', ' ') + " "
                    + (members ? "" : "void run() throws Exception { ");
            if (firstBody == lines.size()) {
                lines.add("");
            }
            lines.set(firstBody, header + lines.get(firstBody));
            lines.set(0, "package " + packageName() + "; " + lines.get(0));
            return String.join("\n", lines) + (members ? "\n}\n" : "\n}}\n");
        }
    }

    static List<Snippet> snippets() throws IOException {
        Path root = repositoryRoot();
        List<Path> readmes = new ArrayList<>();
        readmes.add(root.resolve("README.md"));
        try (Stream<Path> modules = Files.list(root)) {
            modules.map(dir -> dir.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(readmes::add);
        }
        List<Snippet> snippets = new ArrayList<>();
        for (Path readme : readmes) {
            String text = Files.readString(readme, StandardCharsets.UTF_8);
            String name = root.relativize(readme).toString().replace('\\', '/');
            Matcher block = FENCE.matcher(text);
            while (block.find()) {
                int fenceLine = (int) text.substring(0, block.start()).lines().count() + 1;
                int comment = text.lastIndexOf("<!--", block.start());
                Matcher given = GIVEN.matcher(comment < 0 ? "" : text.substring(comment, block.start()));
                String givens = given.matches() ? given.group(1).trim() : "";
                snippets.add(new Snippet(name, fenceLine, block.group(1), givens, snippets.size()));
            }
        }
        return snippets;
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("endure-core").resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** javac's errors per snippet, from one compilation of all of them. */
    static Map<Integer, List<String>> compile(List<Snippet> snippets, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<Integer, List<String>> errors = new TreeMap<>();
        List<JavaFileObject> units = new ArrayList<>();
        Map<URI, Snippet> byUri = new java.util.HashMap<>();
        for (Snippet snippet : snippets) {
            errors.put(snippet.index(), new ArrayList<>());
            URI uri = URI.create("string:///" + snippet.packageName().replace('.', '/') + "/" + snippet.fileName());
            byUri.put(uri, snippet);
            units.add(new SimpleJavaFileObject(uri, JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return snippet.unit();
                }
            });
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("--release", "17", "-proc:none", "-implicit:none", "-Xlint:none", "-Xmaxerrs", "100000", "-classpath", classPath,
                "-d", out.toString());
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            StringWriter log = new StringWriter();
            javac.getTask(log, files, diagnostics, options, null, units).call();
        }
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            Snippet snippet = diagnostic.getSource() == null ? null : byUri.get(diagnostic.getSource().toUri());
            if (snippet == null) {
                throw new AssertionError("javac: " + diagnostic.getMessage(Locale.ROOT));
            }
            errors.get(snippet.index()).add(snippet.file() + ":" + (snippet.line() + diagnostic.getLineNumber()) + ": "
                    + diagnostic.getMessage(Locale.ROOT));
        }
        return errors;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompiles() throws IOException {
        List<Snippet> snippets = snippets();
        Path out = Files.createTempDirectory("readme-snippets");
        Map<Integer, List<String>> errors;
        try {
            errors = compile(snippets, out);
        } finally {
            deleteTree(out);
        }
        return snippets.stream().map(snippet -> DynamicTest.dynamicTest(snippet.name(), () -> assertThat(errors.get(snippet.index()))
                .as("%s does not compile; as compiled:%n%s", snippet.name(), snippet.unit()).isEmpty()));
    }

    @Test
    void findsTheSnippetsOfEveryReadme() throws IOException {
        List<Snippet> snippets = snippets();
        assertThat(snippets).extracting(Snippet::file).contains("README.md", "endure-core/README.md", "endure-delivery/README.md");
        assertThat(snippets).hasSizeGreaterThan(20);
    }

    @Test
    void aSnippetThatDoesNotCompileIsReported() throws IOException {
        Snippet broken = new Snippet("README.md", 10, "import java.time.Duration;\nDuration d = Duration.ofSeconds(\"1\");\n", "", 0);
        Path out = Files.createTempDirectory("readme-snippets");
        try {
            assertThat(compile(List.of(broken), out).get(0)).singleElement().asString().startsWith("README.md:12: ");
        } finally {
            deleteTree(out);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
