package dev.endure.delivery.ssrf;

import java.io.IOException;

/** A webhook URL was refused by the {@link SsrfGuard}; the message names the URL, the address and why. */
public final class SsrfBlockedException extends IOException {

    private final AddressCategory category;

    public SsrfBlockedException(String message, AddressCategory category) {
        super(message);
        this.category = category;
    }

    /** Why the address was refused; {@code null} when the URL itself was refused (scheme, missing host). */
    public AddressCategory category() {
        return category;
    }
}
