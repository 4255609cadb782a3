package dev.reelay.infra.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaParameter;
import com.tngtech.archunit.core.domain.JavaParameterizedType;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.modelling.saga.SagaLifecycle;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;

import java.lang.annotation.Annotation;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noCodeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape inside the modules: infra's packages form no cycle, settings arrive as configuration records (never
 * {@code @Value} strings), time comes from the one injected {@code Clock}, and routes answer with records rather
 * than maps that hide their contract.
 */
@AnalyzeClasses(packages = "dev.reelay", importOptions = ImportOption.DoNotIncludeTests.class)
class ShapeRulesTest {

    private static final String SETTINGS_ARE_RECORDS = "settings are @ConfigurationProperties records with one default each";
    private static final List<Class<? extends Annotation>> MAPPINGS = List.of(GetMapping.class, PostMapping.class,
            PutMapping.class, PatchMapping.class, DeleteMapping.class, RequestMapping.class);

    @ArchTest
    static final ArchRule infraPackagesDependOnEachOtherInOneDirectionOnly =
            slices().matching("dev.reelay.infra.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule noFieldTakesASettingFromAValueAnnotation =
            noFields().that().areDeclaredInClassesThat().resideInAPackage("dev.reelay..")
                    .should().beAnnotatedWith(Value.class).because(SETTINGS_ARE_RECORDS);

    @ArchTest
    static final ArchRule noMethodOrConstructorTakesASettingFromAValueAnnotation =
            noCodeUnits().that().areDeclaredInClassesThat().resideInAPackage("dev.reelay..")
                    .should().beAnnotatedWith(Value.class)
                    .orShould(haveAParameterAnnotatedWith(Value.class)).because(SETTINGS_ARE_RECORDS);

    @ArchTest
    static final ArchRule timeComesFromTheOneInjectedClock =
            noClasses().that().resideInAPackage("dev.reelay..")
                    .and().doNotHaveFullyQualifiedName("dev.reelay.infra.ClockConfiguration")
                    .should().callMethod(Instant.class, "now")
                    .orShould().callMethod(System.class, "currentTimeMillis")
                    .orShould().callMethod(Clock.class, "systemUTC")
                    .orShould().callMethod(Clock.class, "systemDefaultZone")
                    .because("ClockConfiguration makes the node's one Clock, and tests replace it");

    /** KnownSagaSegments sends a TaskSubmitted only to the segment that starts its saga (StorageConfiguration). */
    @ArchTest
    static final ArchRule theUpstreamSagaIsAssociatedWithItsTaskOnly =
            noClasses().that().haveFullyQualifiedName("dev.reelay.command.upstream.UpstreamSaga")
                    .should().callMethodWhere(DescribedPredicate.describe("SagaLifecycle's association changes",
                            call -> call.getTargetOwner().isEquivalentTo(SagaLifecycle.class)
                                    && call.getName().matches("associateWith|removeAssociationWith")))
                    .because("a task's TaskSubmitted must be the first event any upstream saga is associated by");

    @ArchTest
    static final ArchRule onlyTheTaskAggregateSubmitsATask =
            noClasses().that().doNotHaveFullyQualifiedName("dev.reelay.command.task.VideoTask")
                    .should().callConstructorWhere(DescribedPredicate.describe("TaskSubmitted's constructor",
                            call -> call.getTargetOwner().isEquivalentTo(TaskSubmitted.class)))
                    .because("TaskSubmitted is the first event of its task (KnownSagaSegments relies on it)");

    @ArchTest
    static final ArchRule noRouteAnswersWithAMap =
            methods().that().areDeclaredInClassesThat().resideInAPackage("dev.reelay..").and(areWebMappings())
                    .should(notReturnAMap())
                    .because("responses are records: a Map<String, Object> hides the contract from readers and from OpenAPI");

    private static DescribedPredicate<JavaMethod> areWebMappings() {
        return DescribedPredicate.describe("are web mappings",
                method -> MAPPINGS.stream().anyMatch(method::isAnnotatedWith));
    }

    /** Reports every code unit, satisfied or not, so that it also works negated and inside an or. */
    private static ArchCondition<JavaCodeUnit> haveAParameterAnnotatedWith(Class<? extends Annotation> annotation) {
        return new ArchCondition<>("have a parameter annotated with @" + annotation.getSimpleName()) {
            @Override
            public void check(JavaCodeUnit codeUnit, ConditionEvents events) {
                List<Integer> annotated = codeUnit.getParameters().stream()
                        .filter(parameter -> parameter.isAnnotatedWith(annotation))
                        .map(JavaParameter::getIndex)
                        .toList();
                String message = codeUnit.getFullName() + (annotated.isEmpty() ? " has no parameter" : " has parameters "
                        + annotated) + " annotated with @" + annotation.getSimpleName();
                events.add(new SimpleConditionEvent(codeUnit, !annotated.isEmpty(), message));
            }
        };
    }

    private static ArchCondition<JavaMethod> notReturnAMap() {
        return new ArchCondition<>("not return a Map or a ResponseEntity of a Map") {
            @Override
            public void check(JavaMethod method, ConditionEvents events) {
                boolean map = returnsMap(method.getReturnType());
                events.add(new SimpleConditionEvent(method, !map,
                        method.getFullName() + " returns " + method.getReturnType().getName()));
            }
        };
    }

    /** A Map itself, or a ResponseEntity whose body type is a Map. */
    private static boolean returnsMap(JavaType type) {
        if (type.toErasure().isAssignableTo(Map.class)) {
            return true;
        }
        if (type instanceof JavaParameterizedType parameterized
                && parameterized.toErasure().isEquivalentTo(ResponseEntity.class)
                && !parameterized.getActualTypeArguments().isEmpty()) {
            return parameterized.getActualTypeArguments().get(0).toErasure().isAssignableTo(Map.class);
        }
        return false;
    }
}
