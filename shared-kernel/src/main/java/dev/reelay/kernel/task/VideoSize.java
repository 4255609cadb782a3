package dev.reelay.kernel.task;

import java.math.BigInteger;

/** A video size as Reelay names it ({@code 1280x720}), and the aspect ratio and resolution it amounts to. */
public record VideoSize(int width, int height) {

    /** Parses {@code WIDTHxHEIGHT}; anything else is an {@link IllegalArgumentException}. */
    public static VideoSize parse(String size) {
        if (size == null || !size.matches("\\d{2,5}x\\d{2,5}")) {
            throw new IllegalArgumentException("size " + size + " is not WIDTHxHEIGHT");
        }
        String[] parts = size.split("x");
        return new VideoSize(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
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
