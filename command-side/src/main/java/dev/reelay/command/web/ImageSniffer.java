package dev.reelay.command.web;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Recognises an image by its first bytes, never by the declared type or file name. */
final class ImageSniffer {

    enum Kind {
        PNG("image/png"), JPEG("image/jpeg"), WEBP("image/webp"), GIF("image/gif"), BMP("image/bmp"), UNKNOWN(null);

        final String contentType;

        Kind(String contentType) {
            this.contentType = contentType;
        }

        boolean accepted() {
            return this == PNG || this == JPEG || this == WEBP;
        }
    }

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static Kind sniff(byte[] bytes) {
        if (startsWith(bytes, PNG)) {
            return Kind.PNG;
        }
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF) {
            return Kind.JPEG;
        }
        if (bytes.length >= 12 && ascii(bytes, 0, 4).equals("RIFF") && ascii(bytes, 8, 4).equals("WEBP")) {
            return Kind.WEBP;
        }
        if (bytes.length >= 6 && (ascii(bytes, 0, 6).equals("GIF87a") || ascii(bytes, 0, 6).equals("GIF89a"))) {
            return Kind.GIF;
        }
        if (bytes.length >= 2 && bytes[0] == 'B' && bytes[1] == 'M') {
            return Kind.BMP;
        }
        return Kind.UNKNOWN;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static String ascii(byte[] bytes, int from, int length) {
        return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }

    private ImageSniffer() {
    }
}
