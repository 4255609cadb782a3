package dev.reelay.infra;

import dev.reelay.infra.audit.AuditCommands;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Wires the command side, the query side and the outside world into one Reelay node. */
@SpringBootApplication(scanBasePackages = "dev.reelay")
@AutoConfigurationPackage(basePackages = "dev.reelay")
@ConfigurationPropertiesScan("dev.reelay")
public class ReelayApplication {

    public static void main(String[] args) {
        if (args.length > 0 && AuditCommands.handles(args[0])) {
            System.exit(AuditCommands.run(args));
        }
        disableAxonUsageReporting();
        SpringApplication.run(ReelayApplication.class, args);
    }

    /** A gateway makes no outbound call it was not asked to; an explicit setting still wins. */
    static void disableAxonUsageReporting() {
        if (System.getProperty("axoniq.update-checker.disabled") == null) {
            System.setProperty("axoniq.update-checker.disabled", "true");
        }
    }
}
