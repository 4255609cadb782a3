package dev.reelay.infra.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The layout is the architecture: these rules fail the build when a dependency points the wrong way. */
class ModuleBoundariesTest {

    static JavaClasses reelay;

    @BeforeAll
    static void importClasses() {
        reelay = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.reelay");
    }

    @Test
    void theSharedKernelHoldsMessagesOnlyWithNoSpringOrJpa() {
        noClasses().that().resideInAPackage("dev.reelay.kernel..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.persistence..",
                        "org.hibernate..", "dev.reelay.command..", "dev.reelay.query..", "dev.reelay.infra..")
                .check(reelay);
    }

    @Test
    void theCommandSideNeverSeesTheQuerySide() {
        noClasses().that().resideInAPackage("dev.reelay.command..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.reelay.query..", "dev.reelay.infra..")
                .check(reelay);
    }

    @Test
    void theQuerySideNeverSeesTheCommandSide() {
        noClasses().that().resideInAPackage("dev.reelay.query..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.reelay.command..", "dev.reelay.infra..")
                .check(reelay);
    }

    @Test
    void onlyInfraHoldsTheBootMain() {
        classes().that().areAnnotatedWith(SpringBootApplication.class)
                .should().resideInAPackage("dev.reelay.infra..")
                .check(reelay);
    }

    @Test
    void onlyInfraMakesOutboundHttpCalls() {
        noClasses().that().resideOutsideOfPackage("dev.reelay.infra..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework.web.reactive.function.client..", "java.net.http..", "okhttp3..",
                        "org.springframework.web.client..")
                .check(reelay);
    }

    @Test
    void onlyInfraConfiguresSecurityAndDataSources() {
        noClasses().that().resideOutsideOfPackage("dev.reelay.infra..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.security.config..",
                        "com.zaxxer.hikari..", "org.flywaydb..")
                .check(reelay);
    }
}
