package dev.reelay.infra.guardrails;

import dev.reelay.command.port.GuardrailPolicy;
import dev.reelay.query.accounts.AccountDefaults;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * {@code reelay.guardrails}: the per-user defaults (admins override them per user) and the price factors. A factor
 * for a model and size wins over one for the model alone; anything unlisted costs 1 per second. {@code account-cache}
 * keeps loaded user accounts in memory (see the {@code accountCache} bean).
 */
@ConfigurationProperties("reelay.guardrails")
public record GuardrailProperties(@DefaultValue("4") int maxConcurrent, Quota quota, @DefaultValue("true") boolean accountCache)
        implements GuardrailPolicy, AccountDefaults {

    public GuardrailProperties {
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException("reelay.guardrails.max-concurrent must be 0 or more");
        }
        quota = quota == null ? new Quota(null, null, null) : quota;
    }

    public record Quota(Duration period, BigDecimal videoSeconds, List<PriceFactor> priceFactors) {
        public Quota {
            period = period == null ? Duration.ofDays(1) : period;
            if (period.toMillis() <= 0) {
                throw new IllegalArgumentException("reelay.guardrails.quota.period must be positive");
            }
            videoSeconds = videoSeconds == null ? new BigDecimal("600") : videoSeconds;
            priceFactors = priceFactors == null ? List.of() : List.copyOf(priceFactors);
        }
    }

    /** {@code size} null means every size of the model. */
    public record PriceFactor(String model, String size, BigDecimal factor) {
        public PriceFactor {
            if (model == null || factor == null || factor.signum() < 0) {
                throw new IllegalArgumentException("a price factor needs a model and a factor of 0 or more");
            }
        }
    }

    @Override
    public BigDecimal quotaVideoSeconds() {
        return quota.videoSeconds();
    }

    @Override
    public Duration quotaPeriod() {
        return quota.period();
    }

    @Override
    public BigDecimal priceFactor(String model, String size) {
        BigDecimal forModel = null;
        for (PriceFactor f : quota.priceFactors()) {
            if (f.model().equals(model)) {
                if (f.size() != null && f.size().equals(size)) {
                    return f.factor();
                }
                if (f.size() == null) {
                    forModel = f.factor();
                }
            }
        }
        return forModel != null ? forModel : BigDecimal.ONE;
    }
}
