package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.command.SetUserLimits;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.text.VisibleText;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Admin: a user's own concurrency cap and quota ({@code /api/admin/**} is admin-only). {@code null} (or an absent
 * field) puts the configured default back. Raising the cap admits waiting tasks at once.
 */
@RestController
class UserLimitsController {

    static final int MAX_CONCURRENT_CEILING = 10_000;
    static final BigDecimal QUOTA_CEILING = new BigDecimal("1000000000");

    private final CommandGateway commands;
    private final Clock clock;

    UserLimitsController(CommandGateway commands, Clock clock) {
        this.commands = commands;
        this.clock = clock;
    }

    @PutMapping(path = "/api/admin/users/{owner}/limits", consumes = MediaType.APPLICATION_JSON_VALUE)
    SeedEnvelope<LimitsResponse> setLimits(@PathVariable String owner, @RequestBody JsonNode body, Owner caller) {
        long started = clock.millis();
        JsonBodies.object(body);
        List<FieldViolation> violations = new ArrayList<>();
        Optional<Owner> user = Owner.parse(owner);
        if (user.isEmpty()) {
            violations.add(new FieldViolation("owner", "INVALID_OWNER",
                    "owner must be " + Owner.RULE));
        }
        Integer maxConcurrent = null;
        JsonNode cap = body.get("maxConcurrent");
        if (cap != null && !cap.isNull()) {
            if (!cap.isIntegralNumber() || !cap.canConvertToInt() || cap.intValue() < 0 || cap.intValue() > MAX_CONCURRENT_CEILING) {
                violations.add(new FieldViolation("maxConcurrent", "RANGE",
                        "maxConcurrent must be an integer from 0 (hold every task) to " + MAX_CONCURRENT_CEILING));
            } else {
                maxConcurrent = cap.intValue();
            }
        }
        BigDecimal quota = null;
        JsonNode seconds = body.get("quotaVideoSeconds");
        if (seconds != null && !seconds.isNull()) {
            // a double beyond its range (1e400) is infinite, and has no decimal value
            BigDecimal value = seconds.isNumber() && Double.isFinite(seconds.doubleValue()) ? seconds.decimalValue() : null;
            if (value == null || value.signum() < 0 || value.compareTo(QUOTA_CEILING) > 0
                    || value.stripTrailingZeros().scale() > 3) {
                violations.add(new FieldViolation("quotaVideoSeconds", "RANGE",
                        "quotaVideoSeconds must be a number from 0 to " + QUOTA_CEILING.toPlainString() + " with at most 3 decimals"));
            } else {
                quota = value.stripTrailingZeros();
            }
        }
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("maxConcurrent") && !name.equals("quotaVideoSeconds")) {
                String shown = VisibleText.abbreviate(name, 64);
                violations.add(new FieldViolation(shown, "UNKNOWN", "unknown field " + shown));
            }
        });
        if (!violations.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, "The limits are not valid", violations);
        }
        commands.sendAndWait(new SetUserLimits(AccountId.of(user.get().value()), user.get().value(), maxConcurrent, quota,
                caller.value(), clock.instant()));
        // no wait for the account row: the balance read waits for the account's last event (ADR 0009, issue 16)
        return SeedEnvelope.of(new LimitsResponse(owner, maxConcurrent, quota), clock.millis() - started);
    }
}
