package dev.reelay.infra.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A released segment stays free long enough for another node's processor to look for it at least once. */
class SegmentHoldBackTest {

    @Test
    void shortHeartbeatsHoldASegmentBackForOneClaimLookAndABeat() {
        assertThat(ClusterNodes.holdBack(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(6));
        assertThat(ClusterNodes.holdBack(Duration.ofMillis(200))).isGreaterThan(ClusterNodes.CLAIM_INTERVAL);
    }

    @Test
    void longHeartbeatsHoldASegmentBackForTwoBeats() {
        assertThat(ClusterNodes.holdBack(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(10));
        assertThat(ClusterNodes.holdBack(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(60));
    }
}
