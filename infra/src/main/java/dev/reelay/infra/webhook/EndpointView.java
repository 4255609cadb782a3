package dev.reelay.infra.webhook;

import java.time.Instant;
import java.util.List;

/**
 * One endpoint as its owner (or an admin) sees it; never its secret.
 *
 * @param status                   {@code ACTIVE}; {@code DISABLED} (by its owner); {@code DISABLED_FAILING} (by Reelay,
 *                                 after {@code reelay.webhooks.disable-after-failures} failed attempts in a row)
 * @param consecutiveFailures      failed attempts since the last accepted one
 * @param previousSecretValidUntil after a rotation, until when the previous secret still signs (else null)
 */
record EndpointView(String id, String owner, String url, List<String> events, String description, boolean enabled,
                    String status, int consecutiveFailures, Instant previousSecretValidUntil, Instant createdAt,
                    Instant updatedAt) {
}
