package dev.reelay.infra.guardrails;

import dev.reelay.command.port.GuardrailPolicy;
import dev.reelay.command.port.PriceList;
import dev.reelay.query.accounts.AccountDefaults;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * {@code reelay.guardrails}: the per-user defaults (admins override them per user) and the numbers of the
 * {@link PriceList} (its rule is command-side). {@code account-cache} keeps loaded user accounts in memory (see the
 * {@code accountCache} bean). The price factors' default list is in application.yml, every other default here.
 */
@Validated
@ConfigurationProperties("reelay.guardrails")
public record GuardrailProperties(@Min(0) @DefaultValue("4") int maxConcurrent,
                                  @Valid @NotNull @DefaultValue Quota quota,
                                  @DefaultValue("true") boolean accountCache)
        implements GuardrailPolicy, AccountDefaults {

    /** Quota periods are aligned to the epoch ({@code 1d}: each UTC day). */
    public record Quota(@NotNull @DurationMin(millis = 1) @DefaultValue("1d") Duration period,
                        @NotNull @DecimalMin("0") @DefaultValue("600") BigDecimal videoSeconds,
                        @Min(0) @DefaultValue("200000") long tokens,
                        @NotNull @DefaultValue List<PriceList.PriceFactor> priceFactors) {

        PriceList priceList() {
            return new PriceList(priceFactors);
        }
    }

    @Override
    public BigDecimal quotaVideoSeconds() {
        return quota.videoSeconds();
    }

    @Override
    public long quotaTokens() {
        return quota.tokens();
    }

    @Override
    public Duration quotaPeriod() {
        return quota.period();
    }

    @Override
    public BigDecimal priceFactor(String model, String size) {
        return quota.priceList().factor(model, size);
    }
}
