package dev.reelay.infra.security;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.security.oauth2.resource.OAuth2ResourceServerProperties;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ReelayIntegrationTest
class SecuritySkeletonTest {

    @LocalServerPort
    int port;
    @Autowired
    List<SecurityFilterChain> chains;

    HttpApi api() {
        return new HttpApi(port);
    }

    @Test
    void healthIsOpenAndUpWithTheDatabase() {
        HttpApi.Response health = api().get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("UP");
    }

    @Test
    void anApiRouteWithoutATokenIs401ProblemJson() {
        for (String path : new String[]{"/api/video/tasks", "/api/anything"}) {
            HttpApi.Response response = api().get(path, null);
            assertThat(response.status()).as(path).isEqualTo(401);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().get("status").asInt()).isEqualTo(401);
            assertThat(response.json().get("code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        }
    }

    @Test
    void theOpenAiDoorAnswers401InTheOpenAiErrorEnvelope() {
        HttpApi.Response response = api().get("/v1/videos", null);
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.json().at("/error/type").asText()).isEqualTo("authentication_error");
        assertThat(response.json().at("/error/code").asText()).isEqualTo("unauthenticated");
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void aGarbageOrTamperedTokenIs401() {
        String token = api().token("alice");
        String tampered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThat(api().get("/api/anything", "not-a-jwt").status()).isEqualTo(401);
        assertThat(api().get("/api/anything", tampered).status()).isEqualTo(401);
    }

    @Test
    void withNoOriginsConfiguredNoResponseCarriesCorsHeaders() {
        HttpApi.Response preflight = api().send("OPTIONS", "/api/video/tasks", null, null, null, Map.of(
                "Origin", "https://app.example.test", "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization"));
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
        assertThat(preflight.header("Access-Control-Allow-Methods")).isNull();
        HttpApi.Response actual = api().send("GET", "/api/video/tasks", api().token("alice"), null, null,
                Map.of("Origin", "https://app.example.test"));
        assertThat(actual.status()).isEqualTo(200);
        assertThat(actual.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void theDevIssuerMintsTokensTheApiAccepts() {
        HttpApi.Response minted = api().postJson("/dev/token", null, "{\"sub\":\"alice\",\"roles\":[\"user\"]}");
        assertThat(minted.status()).isEqualTo(200);
        assertThat(minted.json().get("token_type").asText()).isEqualTo("Bearer");
        assertThat(minted.json().get("expires_in").asInt()).isEqualTo(3600);
        String token = minted.json().get("access_token").asText();
        // authenticated: an unknown route is now a 404 problem, not a 401
        HttpApi.Response unknown = api().get("/api/no-such-route", token);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
    }

    @Test
    void theDevIssuerRefusesUnknownRolesAndBadSubjects() {
        HttpApi.Response badRole = api().postJson("/dev/token", null, "{\"sub\":\"alice\",\"roles\":[\"root\"]}");
        assertThat(badRole.status()).isEqualTo(422);
        assertThat(badRole.json().get("errors").get(0).get("field").asText()).isEqualTo("roles");
        HttpApi.Response badSub = api().postJson("/dev/token", null, "{\"sub\":\"\"}");
        assertThat(badSub.status()).isEqualTo(422);
        assertThat(badSub.json().get("errors").get(0).get("field").asText()).isEqualTo("sub");
    }

    @Test
    void adminRoutesNeedTheAdminRole() {
        HttpApi.Response asUser = api().get("/api/admin/anything", api().token("bob"));
        assertThat(asUser.status()).isEqualTo(403);
        assertThat(asUser.contentType()).startsWith("application/problem+json");
        assertThat(api().get("/api/admin/anything", api().token("root", "admin")).status()).isEqualTo(404);
        assertThat(api().get("/api/admin/", api().token("bob")).status()).isEqualTo(403);
        assertThat(api().get("/api/admin", api().token("bob")).status()).isEqualTo(403);
        assertThat(api().get("/api/administrators", api().token("bob")).status())
                .as("only the path segment /api/admin is the admin's").isEqualTo(404);
    }

    @Test
    void theChainsMatchByPathPatternNotByAskingSpringMvc() {
        List<String> matchers = chains.stream()
                .map(chain -> ((DefaultSecurityFilterChain) chain).getRequestMatcher().toString()).toList();
        assertThat(matchers).anyMatch(m -> m.contains("/console/**")).anyMatch(m -> m.contains("/webhooks/**"));
        assertThat(matchers).as("MVC's matcher looks up the handler for every pattern of every request (issue 16)")
                .noneMatch(m -> m.contains("Mvc"));
    }

    @Test
    void wrongMethodAndWrongContentTypeAreProblemsToo() {
        String token = api().token("alice");
        HttpApi.Response wrongMethod = api().send("PUT", "/dev/token", token, "application/json", "{}".getBytes(), Map.of());
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.contentType()).startsWith("application/problem+json");
        HttpApi.Response wrongType = api().send("POST", "/dev/token", null, "text/plain", "hi".getBytes(), Map.of());
        assertThat(wrongType.status()).isEqualTo(415);
        assertThat(wrongType.contentType()).startsWith("application/problem+json");
    }

    @Test
    void openApiIsPublished() {
        HttpApi.Response docs = api().get("/v3/api-docs", null);
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.json().get("openapi").asText()).startsWith("3.");
        // the caller (an Owner resolved from the token) is not a parameter a client sends
        assertThat(docs.json().at("/paths/~1api~1video~1tasks/get/parameters").findValuesAsText("name"))
                .contains("model", "createdFrom").doesNotContain("value", "caller");
    }

    @Test
    void prometheusMetricsAreExposedToAdmins() {
        HttpApi.Response metrics = api().get("/actuator/prometheus", api().token("scraper", "admin"));
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void theDevIssuerCannotRunBesideAnExternalIssuer() {
        JwtConfiguration configuration = new JwtConfiguration();
        assertThatThrownBy(() -> configuration.devIssuer(externalIssuer("https://issuer.example", ""), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be combined");
        assertThatThrownBy(() -> configuration.devIssuer(externalIssuer("", "https://issuer.example/jwks"), null))
                .isInstanceOf(IllegalStateException.class);
    }

    private static OAuth2ResourceServerProperties externalIssuer(String issuerUri, String jwkSetUri) {
        OAuth2ResourceServerProperties properties = new OAuth2ResourceServerProperties();
        properties.getJwt().setIssuerUri(issuerUri);
        properties.getJwt().setJwkSetUri(jwkSetUri);
        return properties;
    }
}
