package dev.reelay.infra.web;

/** An error response body: RFC 9457 everywhere, the OpenAI error envelope under {@code /v1/**}. */
public sealed interface ErrorBody permits Problem, OpenAiError {
}
