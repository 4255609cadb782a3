package dev.reelay.infra.webhook;

import dev.reelay.infra.persistence.SharedKeys;
import org.springframework.stereotype.Component;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Endpoint secrets at rest. Signing needs the secret itself (a hash would not sign), so it is stored encrypted with
 * AES-GCM under {@code reelay.webhooks.secret-key}; without one configured, under a key made once in PostgreSQL
 * ({@link SharedKeys}), which keeps secrets out of plain sight in tables and backups of single tables but not out of a
 * whole-database dump. The endpoint id is the associated data: a ciphertext copied to another endpoint does not open.
 */
@Component
class SecretBox {

    private static final String PURPOSE = "webhook-secrets";
    private static final int NONCE = 12;

    private final SharedKeys sharedKeys;
    private final String configured;
    private final SecureRandom random = new SecureRandom();
    private volatile SecretKeySpec key;

    SecretBox(SharedKeys sharedKeys, WebhookProperties properties) {
        this.sharedKeys = sharedKeys;
        this.configured = properties.secretKey() == null ? "" : properties.secretKey().trim();
    }

    byte[] seal(String endpointId, String secret) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, endpointId);
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    String open(String endpointId, byte[] sealed) {
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, java.util.Arrays.copyOf(sealed, NONCE), endpointId);
            return new String(cipher.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("an endpoint secret does not open with the configured key", e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce, String endpointId) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key(), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(endpointId.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    private SecretKeySpec key() {
        SecretKeySpec current = key;
        if (current == null) {
            byte[] raw = configured.isEmpty() ? sharedKeys.key(PURPOSE) : Base64.getDecoder().decode(configured);
            current = new SecretKeySpec(raw, "AES");
            key = current;
        }
        return current;
    }
}
