package dev.reelay.kernel.event;

import org.axonframework.serialization.Revision;

import java.time.Instant;

/**
 * An admin set the upstream key of {@code scope} ({@code provider:<id>} or {@code llm}). Only fingerprints (the first
 * 8 hex digits of the key's SHA-256), never the key; {@code previousFingerprint} is null when none was set before.
 */
@Revision("1")
public record ApiKeyRotated(String scope, String previousFingerprint, String fingerprint, String rotatedBy,
                            Instant rotatedAt) {
}
