package dev.reelay.kernel.text;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VisibleTextTest {

    @Test
    void textThatShowsNothingIsBlank() {
        for (String blank : new String[]{"", " ", "\u200B\u200C\u200D", "\u2060\uFEFF", "\u00A0\u2003\u3000", "\u00AD",
                "\u3164\u115F\u1160\uFFA0", "\u180E", "\u2800", "\uFE0F\u034F", "\u200E\u200F\u061C", "\uDB40\uDC20"}) {
            assertThat(VisibleText.isBlank(blank)).as(blank.codePoints().mapToObj(Integer::toHexString).toList().toString())
                    .isTrue();
        }
    }

    @Test
    void anyVisibleCharacterMakesTextNotBlank() {
        for (String text : new String[]{"a", "\u200Bx", "😀", "שועל", ".", "\u2800a"}) {
            assertThat(VisibleText.isBlank(text)).as(text).isFalse();
        }
    }

    @Test
    void bidiEmbeddingsOverridesAndIsolatesAreFoundButMarksAreNot() {
        for (char c = '\u202A'; c <= '\u202E'; c++) {
            assertThat(VisibleText.hasBidiControl("a" + c + "b")).isTrue();
        }
        for (char c = '\u2066'; c <= '\u2069'; c++) {
            assertThat(VisibleText.hasBidiControl("a" + c + "b")).isTrue();
        }
        assertThat(VisibleText.hasBidiControl("a\u200E\u200F\u061Cb ثعلب")).isFalse();
    }
}
