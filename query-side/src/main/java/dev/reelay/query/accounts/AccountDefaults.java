package dev.reelay.query.accounts;

import java.math.BigDecimal;
import java.time.Duration;

/** The configured default limits, for showing a balance of a user without limits of their own. */
public interface AccountDefaults {

    int maxConcurrent();

    BigDecimal quotaVideoSeconds();

    long quotaTokens();

    Duration quotaPeriod();
}
