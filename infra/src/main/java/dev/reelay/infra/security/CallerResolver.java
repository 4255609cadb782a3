package dev.reelay.infra.security;

import dev.reelay.kernel.account.Owner;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.core.MethodParameter;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.security.Principal;
import java.util.List;

/**
 * The one place a route learns who is calling: an {@link Owner} parameter is the authenticated principal's name,
 * checked by the same rules as a token's subject ({@link TokenRules} already refused tokens that break them; stream
 * tickets carry a subject that passed them). No principal, or an unusable name, is a 401 and never reaches a query.
 */
@Component
class CallerResolver implements HandlerMethodArgumentResolver, WebMvcConfigurer {

    static {
        // not a request parameter: keep it out of the published OpenAPI document, as springdoc does for Principal
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(Owner.class);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Owner.class || optionalOwner(parameter);
    }

    /** {@code Optional<Owner>}: for the one route a signed link opens without a caller (empty then). */
    private static boolean optionalOwner(MethodParameter parameter) {
        return parameter.getParameterType() == java.util.Optional.class
                && parameter.getGenericParameterType() instanceof java.lang.reflect.ParameterizedType type
                && type.getActualTypeArguments()[0] == Owner.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer, NativeWebRequest request,
                                  WebDataBinderFactory binderFactory) {
        Principal principal = request.getUserPrincipal();
        if (optionalOwner(parameter)) {
            return principal == null ? java.util.Optional.empty() : java.util.Optional.of(caller(principal));
        }
        return caller(principal);
    }

    private static Owner caller(Principal principal) {
        if (principal == null) {
            throw new InsufficientAuthenticationException("no authenticated caller");
        }
        return Owner.parse(principal.getName())
                .orElseThrow(() -> new InsufficientAuthenticationException("the caller has no usable subject"));
    }
}
