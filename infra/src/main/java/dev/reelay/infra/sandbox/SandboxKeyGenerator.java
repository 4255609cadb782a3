package dev.reelay.infra.sandbox;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The sandbox needs a key shared by the simulated provider and the provider entry that calls it. Keys never ship in
 * configuration: {@code REELAY_SANDBOX_API_KEY} is used when set, otherwise a random one is made for this process.
 */
public class SandboxKeyGenerator implements EnvironmentPostProcessor {

    static final String PROPERTY = "REELAY_SANDBOX_API_KEY";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(PROPERTY)) {
            return;
        }
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        environment.getPropertySources().addLast(new MapPropertySource("reelay-sandbox-key",
                Map.of(PROPERTY, "sbx-" + HexFormat.of().formatHex(bytes))));
    }
}
