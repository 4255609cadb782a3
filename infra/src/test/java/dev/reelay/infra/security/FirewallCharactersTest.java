package dev.reelay.infra.security;

import org.junit.jupiter.api.Test;

import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The firewall's header checks without regular expressions accept and refuse exactly what Spring Security's default
 * patterns do, for every Unicode code point and for lone surrogates.
 */
class FirewallCharactersTest {

    private static final Pattern NAMES = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
    private static final Pattern VALUES = Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

    @Test
    void headerNamesAndValuesAreJudgedLikeTheDefaultPatternsForEveryCodePoint() {
        int refusedNames = 0;
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            String one = new String(Character.toChars(c));
            assertSame(one, NAMES, FirewallRejections::assignedAndNotControl);
            assertSame(one, VALUES, FirewallRejections::headerValue);
            refusedNames += NAMES.matcher(one).matches() ? 0 : 1;
        }
        assertThat(refusedNames).as("the comparison covered refused code points too").isGreaterThan(1000);
    }

    @Test
    void wholeHeadersAreJudgedLikeTheDefaultPatterns() {
        for (String text : new String[]{"", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "a\tb", "a\u0000b", "a\u007fb",
                "tab\tthen\nnewline", "\ud83c\udfac clapper", "lone \ud83c high", "lone \udfac low", "\u0378 unassigned"}) {
            assertSame(text, NAMES, FirewallRejections::assignedAndNotControl);
            assertSame(text, VALUES, FirewallRejections::headerValue);
        }
        assertThat(FirewallRejections.headerValue("a\tb")).isTrue();
        assertThat(FirewallRejections.assignedAndNotControl("a\tb")).isFalse();
    }

    private static void assertSame(String text, Pattern pattern, Predicate<String> predicate) {
        assertThat(predicate.test(text)).as("%s on %s", pattern, text.codePoints().boxed().toList())
                .isEqualTo(pattern.matcher(text).matches());
    }
}
