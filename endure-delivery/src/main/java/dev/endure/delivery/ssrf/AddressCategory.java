package dev.endure.delivery.ssrf;

/**
 * What kind of address a webhook endpoint resolved to. Everything but {@link #PUBLIC} is refused by
 * default: a tenant who can register a webhook URL must not make our workers call into our own network.
 */
public enum AddressCategory {
    PUBLIC("a public"),
    LOOPBACK("a loopback"),
    PRIVATE("a private"),
    LINK_LOCAL("a link-local"),
    CLOUD_METADATA("a cloud metadata"),
    MULTICAST("a multicast"),
    UNSPECIFIED("an unspecified"),
    RESERVED("a reserved or broadcast");

    private final String article;

    AddressCategory(String article) {
        this.article = article;
    }

    /** "a private", "an unspecified": for error messages. */
    public String describe() {
        return article + " address";
    }
}
