package dev.reelay.infra.console;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.CacheControl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;


/**
 * The web console: static ES modules and CSS from the jar (no build step), served at {@code /console/} with a strict
 * Content-Security-Policy (no inline script, no other origin). The pages are public; everything they show comes from
 * the API with the user's bearer token, so the console has no access rules of its own. Off with
 * {@code reelay.console.enabled=false}: then nothing is served under {@code /console}.
 */
@Configuration
@EnableConfigurationProperties(ConsoleProperties.class)
@ConditionalOnProperty(name = "reelay.console.enabled", havingValue = "true", matchIfMissing = true)
class ConsoleConfiguration implements WebMvcConfigurer {

    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'");

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/", "/console/");
        registry.addRedirectViewController("/console", "/console/");
        registry.addViewController("/console/").setViewName("forward:/console/index.html");
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        // no-cache: a new jar's modules are picked up at once; the browser still revalidates with ETag/Last-Modified
        registry.addResourceHandler("/console/**")
                .addResourceLocations("classpath:/console/")
                .setCacheControl(CacheControl.noCache())
                .setUseLastModified(true);
    }

    /** The console's pages and assets: public, with the CSP and the usual hardening headers. */
    @Bean
    @Order(0)
    SecurityFilterChain consoleAssets(HttpSecurity http) throws Exception {
        http.securityMatcher("/", "/console", "/console/**")
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .headers(h -> h
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER))
                        .frameOptions(f -> f.deny()))
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll());
        return http.build();
    }

}
