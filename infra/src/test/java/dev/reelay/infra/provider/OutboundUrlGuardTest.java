package dev.reelay.infra.provider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundUrlGuardTest {

    private final OutboundUrlGuard guard = new OutboundUrlGuard(new OutboundProperties(List.of("sandbox.local")));

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/x", "http://localhost:8080/x", "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/v.mp4", "http://192.168.1.1/", "http://172.16.3.4/", "http://[::1]/", "http://[fd00::1]/",
            "http://0.0.0.0/", "http://100.64.0.1/", "file:///etc/passwd", "gopher://example.com/", "ftp://example.com/x",
            "http://user:pw@example.com/", "not a url"})
    void refusesInternalOrNonHttpTargets(String url) {
        assertThat(guard.refusal(url)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://8.8.8.8/video.mp4", "http://1.1.1.1/v", "https://sandbox.local/whatever"})
    void allowsPublicAddressesAndExplicitlyAllowedHosts(String url) {
        assertThat(guard.refusal(url)).isEmpty();
    }
}
