package dev.endure.server.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.server.api.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The payload schema subset: what it checks, the pointers it names, and the keywords it refuses up front. */
class PayloadSchemaTest {

    private static PayloadSchema schema(String json) throws Exception {
        return PayloadSchema.compile(Json.read(json));
    }

    private static List<String> pointers(PayloadSchema schema, String payload) throws Exception {
        return schema.validate(Json.read(payload)).stream().map(PayloadSchema.Violation::pointer).toList();
    }

    @Test
    void namesTheJsonPointerOfEveryFailingValue() throws Exception {
        PayloadSchema schema = schema("{\"type\":\"object\",\"required\":[\"id\"],\"additionalProperties\":false,\"properties\":{"
                + "\"id\":{\"type\":\"integer\",\"minimum\":1},\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
                + "{\"sku\":{\"type\":\"string\",\"pattern\":\"^[A-Z]+$\"},\"a/b\":{\"const\":1}}}}}}");
        assertThat(pointers(schema, "{\"id\":1,\"lines\":[{\"sku\":\"AB\"}]}")).isEmpty();
        assertThat(pointers(schema, "{\"id\":0,\"lines\":[{\"sku\":\"AB\"},{\"sku\":\"ab\",\"a/b\":2}],\"x\":1}"))
                .containsExactly("/id", "/lines/1/sku", "/lines/1/a~1b", "/x");
        assertThat(pointers(schema, "{}")).containsExactly("/id");
        assertThat(pointers(schema, "[]")).containsExactly("");
    }

    @Test
    void comparesNumbersExactlyAndTakesOnePointZeroAsAnInteger() throws Exception {
        PayloadSchema schema = schema("{\"type\":\"integer\",\"maximum\":12345678901234567890,\"multipleOf\":0.5}");
        assertThat(pointers(schema, "1.0")).isEmpty();
        assertThat(pointers(schema, "12345678901234567891")).containsExactly("");
        assertThat(pointers(schema, "1.5")).containsExactly(""); // a multiple of 0.5, but not an integer
    }

    @Test
    void supportsCombinatorsAndReferencesIntoItsOwnDefinitions() throws Exception {
        PayloadSchema schema = schema("{\"$defs\":{\"money\":{\"type\":\"object\",\"required\":[\"cents\"]}},"
                + "\"oneOf\":[{\"$ref\":\"#/$defs/money\"},{\"type\":\"string\",\"enum\":[\"free\"]}],\"not\":{\"const\":{\"cents\":0}}}");
        assertThat(pointers(schema, "{\"cents\":5}")).isEmpty();
        assertThat(pointers(schema, "\"free\"")).isEmpty();
        assertThat(pointers(schema, "\"paid\"")).containsExactly("");
        assertThat(pointers(schema, "{\"cents\":0}")).containsExactly("");
    }

    @Test
    void refusesWhatItWouldOtherwiseIgnoreNamingWhereInTheSchema() {
        assertThatThrownBy(() -> schema("{\"properties\":{\"a\":{\"if\":{\"type\":\"string\"}}}}"))
                .isInstanceOf(PayloadSchema.InvalidSchemaException.class).hasMessageContaining("/properties/a/if").hasMessageContaining("'if'");
        assertThatThrownBy(() -> schema("{\"$ref\":\"https://example.com/schema.json\"}")).hasMessageContaining("/$ref");
        assertThatThrownBy(() -> schema("{\"$ref\":\"#/$defs/missing\"}")).hasMessageContaining("points at nothing");
        assertThatThrownBy(() -> schema("{\"pattern\":\"([\"}")).hasMessageContaining("/pattern");
        assertThatThrownBy(() -> schema("{\"type\":\"int\"}")).hasMessageContaining("/type");
        assertThatThrownBy(() -> schema("{\"minLength\":-1}")).hasMessageContaining("/minLength");
    }

    @Test
    void aSchemaThatRefersToItselfEndsWithAViolationNotAStackOverflow() throws Exception {
        PayloadSchema schema = schema("{\"$ref\":\"#\"}");
        assertThat(schema.validate(Json.read("{}"))).isNotEmpty();
    }
}
