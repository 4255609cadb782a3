package dev.reelay.infra.axon;

import jakarta.annotation.Nonnull;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.common.ReflectionUtils;
import org.axonframework.common.annotation.AnnotationUtils;
import org.axonframework.modelling.command.AnnotationCommandTargetResolver;
import org.axonframework.modelling.command.CommandTargetResolver;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.modelling.command.TargetAggregateVersion;
import org.axonframework.modelling.command.VersionedAggregateIdentifier;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which aggregate a command targets, as Axon's {@link AnnotationCommandTargetResolver} finds it ({@code
 * @TargetAggregateIdentifier}, {@code @TargetAggregateVersion}; a method before a field; meta-annotations count), but
 * with the annotated members looked up once per command class instead of at every command. Axon's resolver walks the
 * class's methods and fields and their annotations each time: 2.6 % of benchmark 1's CPU samples (issue 16), for an
 * answer that depends only on the class.
 */
final class MemberCachingTargetResolver implements CommandTargetResolver {

    /** How to read one annotated value from a command of a class; none when the class has no such member. */
    @FunctionalInterface
    private interface Reader {
        Reader NONE = command -> null;

        Object read(Object command) throws InvocationTargetException, IllegalAccessException;
    }

    private record Members(Reader identifier, Reader version) {
    }

    private final Map<Class<?>, Members> byClass = new ConcurrentHashMap<>();

    @Override
    public VersionedAggregateIdentifier resolveTarget(@Nonnull CommandMessage<?> command) {
        Members members = byClass.computeIfAbsent(command.getPayloadType(), type ->
                new Members(reader(type, TargetAggregateIdentifier.class), reader(type, TargetAggregateVersion.class)));
        Object identifier;
        Long version;
        try {
            identifier = members.identifier().read(command.getPayload());
            version = asLong(members.version().read(command.getPayload()));
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("An exception occurred while extracting aggregate information form a command", e);
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("The current security context does not allow extraction of aggregate "
                    + "information from the given command.", e);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("The value provided for the version is not a number.", e);
        }
        if (identifier == null) {
            throw new IllegalArgumentException(String.format("Invalid command. It does not identify the target aggregate. "
                    + "Make sure at least one of the fields or methods in the [%s] class contains the "
                    + "@TargetAggregateIdentifier annotation and that it returns a non-null value.",
                    command.getPayloadType().getSimpleName()));
        }
        return new VersionedAggregateIdentifier(identifier, version);
    }

    /** Whether a command of this class has been resolved here (package-private for tests). */
    boolean knows(Class<?> commandType) {
        return byClass.containsKey(commandType);
    }

    /** The first annotated method, else the first annotated field, in Axon's order of lookup. */
    private static Reader reader(Class<?> type, Class<? extends Annotation> annotation) {
        for (Method method : ReflectionUtils.methodsOf(type)) {
            if (AnnotationUtils.isAnnotationPresent(method, annotation)) {
                Method accessible = ReflectionUtils.ensureAccessible(method);
                return command -> accessible.invoke(command);
            }
        }
        for (Field field : ReflectionUtils.fieldsOf(type)) {
            if (AnnotationUtils.isAnnotationPresent(field, annotation)) {
                return command -> ReflectionUtils.getFieldValue(field, command);
            }
        }
        return Reader.NONE;
    }

    private static Long asLong(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof Number number ? number.longValue() : Long.parseLong(value.toString());
    }
}
