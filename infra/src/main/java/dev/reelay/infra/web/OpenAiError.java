package dev.reelay.infra.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The OpenAI API's error envelope, {@code {"error": {message, type, param, code}}}, which OpenAI SDKs read on
 * {@code /v1/**}; {@code param} names the first field at fault and is left out when there is none.
 */
public record OpenAiError(Detail error) implements ErrorBody {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(String message, String type, String param, String code) {
    }

    public static OpenAiError of(String message, String type, String param, String code) {
        return new OpenAiError(new Detail(message, type, param, code));
    }
}
