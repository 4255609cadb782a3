package dev.reelay.command.port;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceListTest {

    private final PriceList prices = new PriceList(List.of(
            new PriceList.PriceFactor("sora-2-pro", "1024x1792", new BigDecimal("5")),
            new PriceList.PriceFactor("sora-2-pro", null, new BigDecimal("3")),
            new PriceList.PriceFactor("free", null, BigDecimal.ZERO)));

    @Test
    void anEntryForTheModelAndSizeWinsOverTheModelsOwnEntryWhateverTheOrder() {
        assertThat(prices.factor("sora-2-pro", "1024x1792")).isEqualByComparingTo("5");
        assertThat(new PriceList(List.of(
                new PriceList.PriceFactor("sora-2-pro", null, new BigDecimal("3")),
                new PriceList.PriceFactor("sora-2-pro", "1024x1792", new BigDecimal("5"))))
                .factor("sora-2-pro", "1024x1792")).isEqualByComparingTo("5");
    }

    @Test
    void otherSizesOfAListedModelCostTheModelsFactor() {
        assertThat(prices.factor("sora-2-pro", "720x1280")).isEqualByComparingTo("3");
        assertThat(prices.factor("free", "720x1280")).isEqualByComparingTo("0");
    }

    @Test
    void anUnlistedModelCostsOnePerSecond() {
        assertThat(prices.factor("sora-2", "720x1280")).isEqualByComparingTo("1");
        assertThat(new PriceList(null).factor("sora-2", null)).isEqualByComparingTo("1");
    }

    @Test
    void anEntryNeedsAModelAndAFactorOfZeroOrMore() {
        assertThatThrownBy(() -> new PriceList.PriceFactor(null, null, BigDecimal.ONE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PriceList.PriceFactor("sora-2", null, new BigDecimal("-1")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
