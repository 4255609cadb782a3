package dev.reelay.infra.security;

import dev.reelay.infra.web.ProblemWriter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.PathPatternRequestMatcherBuilderFactoryBean;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Every {@code /api/**} and {@code /v1/**} route needs a valid bearer JWT; failures are problem+json. Two exceptions:
 * the dev login, and a content route carrying a signed link (which the controller verifies). CORS for the
 * configured origins applies to both chains.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Pattern SIGNED_CONTENT_PATH = Pattern.compile("/api/video/tasks/[^/]+/content");

    /**
     * No Micrometer observation per security filter, per authentication and per authorization decision: with an
     * observation registry present Spring Security wraps each of the chain's ~15 filters in one, about 5 % of the app's
     * CPU per create (docs/benchmarks.md, issue 16). The request's own observation ({@code http.server.requests},
     * its metrics and, with tracing on, its server span) stays; a 401/403 still shows there by its status.
     */
    @Bean
    static SecurityObservationSettings noSecurityFilterObservations() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * Every chain's {@code securityMatcher(...)} and {@code requestMatchers(...)} patterns match the request's path
     * as path patterns, without asking Spring MVC which handler the request would reach: a request meets about 17
     * patterns on its way through the three chains, and MVC's matcher looked each one up (issue 16). Reelay has one
     * servlet at {@code /}, so a pattern means the same path either way; the patterns are unchanged.
     */
    @Bean
    static PathPatternRequestMatcherBuilderFactoryBean pathPatternMatchers() {
        return new PathPatternRequestMatcherBuilderFactoryBean();
    }

    /**
     * Routes that authenticate by other means (the sandbox by its own API key, webhooks by signature) or not at all
     * (the dev issuer): no bearer-token processing, or a provider key would be mistaken for a bad JWT.
     */
    @Bean
    @Order(1)
    SecurityFilterChain nonJwtRoutes(HttpSecurity http) throws Exception {
        // /api/auth/login exists only with the dev issuer; without it the route is an ordinary 404
        http.securityMatcher("/sandbox/**", "/webhooks/**", "/dev/**", "/api/auth/login")
                .cors(Customizer.withDefaults())
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain apiSecurity(HttpSecurity http, ProblemWriter problems, StreamTickets tickets) throws Exception {
        AuthenticationEntryPoint unauthorized = (request, response, ex) -> {
            response.setHeader("WWW-Authenticate", "Bearer");
            problems.write(request, response, HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED",
                    "A valid bearer token is required");
        };
        AccessDeniedHandler forbidden = (request, response, ex) ->
                problems.write(request, response, HttpStatus.FORBIDDEN, "FORBIDDEN", "This needs a role you do not have");
        http
                .cors(Customizer.withDefaults())
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .addFilterBefore(new StreamTicketFilter(tickets), BearerTokenAuthenticationFilter.class)
                .authorizeHttpRequests(auth -> auth
                        // async dispatches continue an already-authorised request (SSE); errors render problems
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                        // health answers anyone with its status only (details need the admin role, see
                        // management.endpoint.health.roles); metrics name routes, models and providers: admins only
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/info").permitAll()
                        .requestMatchers("/actuator/**").hasRole("admin")
                        .requestMatchers("/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html").permitAll()
                        .requestMatchers("/error").permitAll()
                        .requestMatchers("/api/admin/**").hasRole("admin")
                        .requestMatchers((RequestMatcher) SecurityConfiguration::isSignedContentLink).permitAll()
                        .anyRequest().authenticated())
                .oauth2ResourceServer(rs -> rs
                        .jwt(jwt -> jwt.jwtAuthenticationConverter(rolesFromClaim()))
                        .authenticationEntryPoint(unauthorized)
                        .accessDeniedHandler(forbidden))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden));
        return http.build();
    }

    /**
     * A content read that carries a signed link instead of a bearer token, for {@code <video src>}. Only its presence
     * is checked here; the content controller verifies it (403 if it does not verify).
     */
    static boolean isSignedContentLink(HttpServletRequest request) {
        return ("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod()))
                && SIGNED_CONTENT_PATH.matcher(request.getRequestURI()).matches()
                && request.getParameter("expires") != null && request.getParameter("sig") != null;
    }

    /**
     * The configured origins may call every route from a browser, with the headers Reelay reads and the ones a
     * frontend needs to see. No cookies are involved (bearer tokens only), so credentials stay off. With no origins
     * configured nothing is registered and no response carries CORS headers.
     */
    @Bean
    CorsConfigurationSource corsConfigurationSource(CorsProperties properties) {
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        if (!properties.allowedOrigins().isEmpty()) {
            CorsConfiguration cors = new CorsConfiguration();
            cors.setAllowedOrigins(properties.allowedOrigins());
            cors.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "DELETE"));
            cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "Range",
                    "X-Correlation-Id", "traceparent"));
            cors.setExposedHeaders(List.of("Retry-After", "Content-Range", "Accept-Ranges", "Location",
                    "WWW-Authenticate", "X-Correlation-Id", "X-Trace-Id"));
            cors.setAllowCredentials(false);
            cors.setMaxAge(properties.maxAge());
            source.registerCorsConfiguration("/**", cors);
        }
        return source;
    }

    /** Roles come from the token's {@code roles} claim: {@code ["user"]}, {@code ["admin"]}. */
    private static JwtAuthenticationConverter rolesFromClaim() {
        JwtGrantedAuthoritiesConverter authorities = new JwtGrantedAuthoritiesConverter();
        authorities.setAuthoritiesClaimName("roles");
        authorities.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(authorities);
        return converter;
    }
}
