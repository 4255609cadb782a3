package dev.reelay.kernel.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The id of a user's account aggregate: {@code account:<owner>}. Aggregate ids share one column with task ids, so the
 * prefix keeps them apart; an owner too long for that column is named by its SHA-256 instead.
 */
public record AccountId(String value) {

    private static final int MAX_PLAIN_OWNER = 200;

    public static AccountId of(String owner) {
        if (owner.length() <= MAX_PLAIN_OWNER) {
            return new AccountId("account:" + owner);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(owner.getBytes(StandardCharsets.UTF_8));
            return new AccountId("account:sha256:" + HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
