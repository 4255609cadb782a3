package dev.reelay.infra.audit;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One row of Axon's {@code domain_event_entry}, column by column as stored, and the digest the chain covers. The
 * digest is taken over the stored bytes (payload and metadata exactly as serialised, every text column as stored), so
 * it never depends on how Reelay would read or re-serialise an event today: an upcaster, a new Jackson version or a
 * renamed class cannot make an unchanged row look changed.
 *
 * <p>Encoding, version 1: the tag {@code reelay-audit-event/1}, then each column in the order of the record's
 * components, numbers as 8 bytes big-endian, text as UTF-8 and bytes as they are, each text or bytes value preceded
 * by its length as 4 bytes big-endian ({@code -1} for SQL null), so no two different rows encode alike.
 */
public record StoredEvent(long globalIndex, String eventIdentifier, String aggregateIdentifier, long sequenceNumber,
                          String type, String payloadType, String payloadRevision, String timeStamp,
                          byte[] metaData, byte[] payload) {

    /** The chain hash before the first event. */
    public static final byte[] GENESIS = new byte[32];

    private static final byte[] TAG = "reelay-audit-event/1".getBytes(StandardCharsets.UTF_8);

    /** SHA-256 of the canonical encoding. */
    public byte[] digest() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + length(payload) + length(metaData));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(TAG);
            out.writeLong(globalIndex);
            text(out, eventIdentifier);
            text(out, aggregateIdentifier);
            out.writeLong(sequenceNumber);
            text(out, type);
            text(out, payloadType);
            text(out, payloadRevision);
            text(out, timeStamp);
            bytes(out, metaData);
            bytes(out, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256().digest(bytes.toByteArray());
    }

    /** The chain hash after an entry: SHA-256(previous chain hash || entry digest). */
    public static byte[] link(byte[] previous, byte[] entryDigest) {
        MessageDigest sha = sha256();
        sha.update(previous);
        sha.update(entryDigest);
        return sha.digest();
    }

    public static String hex(byte[] value) {
        return value == null ? null : HexFormat.of().formatHex(value);
    }

    public static byte[] unhex(String value) {
        return HexFormat.of().parseHex(value);
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        bytes(out, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(value.length);
            out.write(value);
        }
    }

    private static int length(byte[] value) {
        return value == null ? 0 : value.length;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
