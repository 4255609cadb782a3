package dev.reelay.kernel.account;

import dev.reelay.kernel.text.VisibleText;

import java.util.Optional;

/**
 * The user a request acts for: a token's subject, checked once where the token is read. Never null, blank (see
 * {@link VisibleText#isBlank}), longer than {@value #MAX_LENGTH} characters, or holding a control character or a lone
 * surrogate, so no query can be widened or broken by the caller's identity.
 */
public record Owner(String value) {

    /** The owner columns are {@code VARCHAR(255)}. */
    public static final int MAX_LENGTH = 255;

    /** What a usable owner is, for error messages. */
    public static final String RULE = "1-" + MAX_LENGTH + " visible characters without control characters";

    public Owner {
        Optional<String> problem = problemWith(value);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
    }

    /** The owner named by {@code raw}, or empty if it is not usable as one. */
    public static Optional<Owner> parse(String raw) {
        return problemWith(raw).isPresent() ? Optional.empty() : Optional.of(new Owner(raw));
    }

    /** Why {@code raw} cannot name an owner (without echoing it), or empty if it can. */
    public static Optional<String> problemWith(String raw) {
        if (raw == null) {
            return Optional.of("the subject is missing");
        }
        if (raw.length() > MAX_LENGTH) {
            return Optional.of("the subject is longer than " + MAX_LENGTH + " characters");
        }
        if (VisibleText.firstControl(raw) >= 0) {
            return Optional.of("the subject contains a control character");
        }
        if (VisibleText.hasLoneSurrogate(raw)) {
            return Optional.of("the subject is not valid Unicode");
        }
        if (VisibleText.isBlank(raw)) {
            return Optional.of("the subject is blank");
        }
        return Optional.empty();
    }

    /** True if {@code owner} (a stored owner column) is this owner. */
    public boolean owns(String owner) {
        return value.equals(owner);
    }

    @Override
    public String toString() {
        return value;
    }
}
