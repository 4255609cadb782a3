package dev.reelay.command.port;

import java.math.BigDecimal;
import java.util.List;

/**
 * What one second of video costs in quota, by model and size. An entry for the model and size wins over one for the
 * model alone; a model without an entry costs 1 per second. The numbers are configuration, the rule is this.
 */
public record PriceList(List<PriceFactor> factors) {

    public PriceList {
        factors = factors == null ? List.of() : List.copyOf(factors);
    }

    /** One entry: {@code size} null means every size of the model. */
    public record PriceFactor(String model, String size, BigDecimal factor) {
        public PriceFactor {
            if (model == null || factor == null || factor.signum() < 0) {
                throw new IllegalArgumentException("a price factor needs a model and a factor of 0 or more");
            }
        }
    }

    /** The quota one second of {@code model} at {@code size} costs. */
    public BigDecimal factor(String model, String size) {
        BigDecimal forModel = null;
        for (PriceFactor f : factors) {
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
