package dev.reelay.infra.secrets;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Envelope encryption with AES-256-GCM: each value gets a fresh data key; the data key is wrapped by the master key.
 * Both ciphertexts carry their 12-byte nonce in front, and both are bound to the value's scope (the GCM associated
 * data), so a row copied onto another scope does not decrypt.
 */
final class EnvelopeCipher {

    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKey master;
    private final String masterId;

    EnvelopeCipher(byte[] masterKey) {
        if (masterKey.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes (Base64 of 32 random bytes), not "
                    + masterKey.length);
        }
        this.master = new SecretKeySpec(masterKey, "AES");
        this.masterId = fingerprint(masterKey);
    }

    /** A sealed value: the encrypted value, its wrapped data key, and which master key wrapped it. */
    record Sealed(byte[] ciphertext, byte[] wrappedKey, String masterId) {
    }

    /** Names the master key (8 hex digits of its SHA-256) so a row sealed by another one is told apart. */
    String masterId() {
        return masterId;
    }

    Sealed seal(String scope, String value) {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256, RANDOM);
            SecretKey dataKey = generator.generateKey();
            byte[] plain = value.getBytes(StandardCharsets.UTF_8);
            byte[] rawKey = dataKey.getEncoded();
            try {
                return new Sealed(encrypt(dataKey, scope, plain), encrypt(master, scope, rawKey), masterId);
            } finally {
                Arrays.fill(plain, (byte) 0);
                Arrays.fill(rawKey, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a key", e);
        }
    }

    String open(String scope, Sealed sealed) {
        if (!masterId.equals(sealed.masterId())) {
            throw new IllegalStateException("the key of " + scope + " was sealed by another master key (" + sealed.masterId() + ")");
        }
        try {
            byte[] rawKey = decrypt(master, scope, sealed.wrappedKey());
            try {
                return new String(decrypt(new SecretKeySpec(rawKey, "AES"), scope, sealed.ciphertext()), StandardCharsets.UTF_8);
            } finally {
                Arrays.fill(rawKey, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the key of " + scope + " does not decrypt", e);
        }
    }

    private static byte[] encrypt(SecretKey key, String scope, byte[] plain) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(scope.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = cipher.doFinal(plain);
        return ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array();
    }

    private static byte[] decrypt(SecretKey key, String scope, byte[] sealed) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
        cipher.updateAAD(scope.getBytes(StandardCharsets.UTF_8));
        return cipher.doFinal(sealed, NONCE, sealed.length - NONCE);
    }

    /** The first 8 hex digits of the SHA-256 of a key: enough to tell keys apart, far too little to recover one. */
    static String fingerprint(String key) {
        return fingerprint(key.getBytes(StandardCharsets.UTF_8));
    }

    static String fingerprint(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key)).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] decodeMasterKey(String base64) {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the master key is not Base64");
        }
    }
}
