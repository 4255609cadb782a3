package dev.reelay.query.paging;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/** The list routes' optional equality filters: a condition and its parameter only when the client gave a value. */
public final class SqlFilters {

    private SqlFilters() {
    }

    /** Appends {@code and column = :column} to {@code where} (named after the column) when {@code value} is given. */
    public static void addEquals(StringBuilder where, MapSqlParameterSource params, String column, String value) {
        if (value != null) {
            where.append(" and ").append(column).append(" = :").append(column);
            params.addValue(column, value);
        }
    }
}
