package dev.reelay.kernel.text;

/**
 * What Reelay means by blank, control and bidirectional-control characters, in one place for prompts, token subjects
 * and query parameters.
 *
 * <p>Blank: no code point that shows. Whitespace (including Unicode space separators), control characters, format
 * characters (category Cf: zero-width space, joiners, BOM, bidi marks…) and the other default-ignorable code points
 * (Hangul fillers, variation selectors, the combining grapheme joiner, the Braille blank) show nothing.
 */
public final class VisibleText {

    private VisibleText() {
    }

    /** True if {@code text} is null or has no code point that shows. */
    public static boolean isBlank(String text) {
        return text == null || text.codePoints().allMatch(VisibleText::isInvisible);
    }

    /** Index of the first C0/C1 control character (NUL, ESC, DEL…; tab and line breaks included), or -1. */
    public static int firstControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** True if a UTF-16 surrogate has no partner: such text cannot be encoded as UTF-8. */
    public static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if {@code text} has a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069): they
     * reorder how the text around them is shown ("Trojan Source"). The marks U+200E, U+200F and U+061C do not and are
     * allowed.
     */
    public static boolean hasBidiControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069') {
                return true;
            }
        }
        return false;
    }

    private static boolean isInvisible(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        if (type == Character.FORMAT) {
            return true;
        }
        return cp == 0x034F                       // combining grapheme joiner
                || cp == 0x115F || cp == 0x1160   // Hangul choseong / jungseong fillers
                || cp == 0x17B4 || cp == 0x17B5   // Khmer inherent vowels
                || cp >= 0x180B && cp <= 0x180F   // Mongolian free variation selectors, vowel separator
                || cp == 0x2800                   // Braille pattern blank
                || cp == 0x3164 || cp == 0xFFA0   // Hangul filler, halfwidth Hangul filler
                || cp >= 0xFE00 && cp <= 0xFE0F   // variation selectors
                || cp >= 0xE0100 && cp <= 0xE01EF; // variation selectors supplement
    }

    /**
     * At most {@code max} characters of {@code value}, for echoing client input in an error message or a log line
     * without letting the client choose its size; null stays null.
     */
    public static String abbreviate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
