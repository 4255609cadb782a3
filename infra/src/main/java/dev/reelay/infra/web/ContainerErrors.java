package dev.reelay.infra.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Errors that never reach a Spring MVC handler get the same problem+json (OpenAI envelope on {@code /v1/**}) as
 * everything else. Two doors lead there:
 * <ul>
 *   <li>Tomcat refuses a request before any servlet runs (an oversized or malformed header, a bad character in the
 *   URL, an unsupported transfer coding): its host's error report valve answers. {@link ProblemReportValve} replaces
 *   Tomcat's HTML page.</li>
 *   <li>A filter or the container fails a request that did reach the application ({@code sendError}, an exception
 *   out of a filter, a body that breaks while being read): the servlet error page {@code /error} answers.
 *   {@link ProblemErrorController} replaces Spring Boot's default JSON.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class ContainerErrors {

    private static final Logger log = LoggerFactory.getLogger(ContainerErrors.class);

    /** Runs after Spring Boot's own Tomcat customizer, which adds a plain error report valve that this one replaces. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemReportValve(ProblemWriter problems) {
        return new WebServerFactoryCustomizer<>() {
            @Override
            public void customize(TomcatServletWebServerFactory factory) {
                factory.addContextCustomizers(context -> {
                    if (context.getParent() instanceof StandardHost host) {
                        for (Valve valve : host.getPipeline().getValves()) {
                            if (valve instanceof ErrorReportValve) {
                                host.getPipeline().removeValve(valve);
                            }
                        }
                        // the host adds a valve of this class only if none is there: ours is
                        host.setErrorReportValveClass(ProblemReportValve.class.getName());
                        host.getPipeline().addValve(new ProblemReportValve(problems));
                    }
                });
            }

            @Override
            public String toString() {
                return "problem+json error report valve";
            }
        };
    }

    /** Tomcat's error report valve, answering in problem+json instead of an HTML page. */
    static final class ProblemReportValve extends ErrorReportValve {

        private final ProblemWriter problems;

        ProblemReportValve(ProblemWriter problems) {
            this.problems = problems;
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            // as Tomcat's own: only errors, only once, only if nothing was written and the connection can take it
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(false);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            if (status >= 500 && throwable == null && request.getContext() == null) {
                // refused before routing (HTTP version, transfer coding): what the client sent, not a failure here
                status = HttpServletResponse.SC_BAD_REQUEST;
                response.setStatus(status);
            }
            String path = request.getRequestURI();
            try {
                String json = problems.json(HttpStatusCode.valueOf(status), ProblemWriter.codeFor(status),
                        ProblemWriter.detailFor(status), path);
                response.setContentType(problems.contentType(path).toString());
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(json);
                    response.finishResponse();
                }
            } catch (IOException | RuntimeException e) {
                log.debug("could not write the error report for a {} answer", status, e);
            }
        }
    }

    /** The servlet error page: Spring Boot's {@code BasicErrorController} answered with its own JSON. */
    @RestController
    static class ProblemErrorController implements ErrorController {

        private final ProblemWriter problems;

        ProblemErrorController(ProblemWriter problems) {
            this.problems = problems;
        }

        @RequestMapping("${server.error.path:${error.path:/error}}")
        void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
            Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
            // asked for directly, not as an error dispatch: there is nothing here
            int status = code instanceof Integer value ? value : HttpServletResponse.SC_NOT_FOUND;
            String path = uri instanceof String value ? value : request.getRequestURI();
            Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            if (failure instanceof Throwable outage && DatabaseOutage.causedBy(outage)) {
                // a filter that reads the database (stream tickets, signing keys) met the outage
                log.warn("Database unavailable on {} {}: {}", request.getMethod(), path, outage.toString());
                response.resetBuffer();
                response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(DatabaseOutage.RETRY_AFTER_SECONDS));
                problems.write(response, HttpStatus.SERVICE_UNAVAILABLE, DatabaseOutage.CODE, DatabaseOutage.DETAIL, path);
                return;
            }
            if (status >= 500 && failure instanceof Throwable unhandled) {
                log.error("Unhandled error on {} {}", request.getMethod(), path, unhandled);
            }
            response.resetBuffer();
            problems.write(response, HttpStatusCode.valueOf(status), ProblemWriter.codeFor(status),
                    ProblemWriter.detailFor(status), path);
        }
    }
}
