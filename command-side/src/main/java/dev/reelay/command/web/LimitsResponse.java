package dev.reelay.command.web;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.math.BigDecimal;

/**
 * The limits an admin just set for a user. Every field is written: {@code null} says the configured default applies,
 * which an absent field would leave the reader to guess.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record LimitsResponse(String owner, Integer maxConcurrent, BigDecimal quotaVideoSeconds) {
}
