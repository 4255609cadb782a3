package dev.reelay.kernel.task;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A video size as Reelay names it ({@code 1280x720}), and the aspect ratio and resolution it amounts to. */
public record VideoSize(int width, int height) {

    /** Compiled once: every route choice parses the task's size for its price (issue 16's profile). */
    private static final Pattern WIDTH_X_HEIGHT = Pattern.compile("(\\d{2,5})x(\\d{2,5})");

    /** Parses {@code WIDTHxHEIGHT}; anything else is an {@link IllegalArgumentException}. */
    public static VideoSize parse(String size) {
        Matcher matcher = size == null ? null : WIDTH_X_HEIGHT.matcher(size);
        if (matcher == null || !matcher.matches()) {
            throw new IllegalArgumentException("size " + size + " is not WIDTHxHEIGHT");
        }
        return new VideoSize(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)));
    }

    /** {@code 1280x720} → {@code 16:9}; {@code 720x720} → {@code 1:1}. */
    public String aspectRatio() {
        int gcd = BigInteger.valueOf(width).gcd(BigInteger.valueOf(height)).intValue();
        return width / gcd + ":" + height / gcd;
    }

    /** The shorter side, as providers name resolutions: {@code 1280x720} → {@code 720p}. */
    public String resolution() {
        return Math.min(width, height) + "p";
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
