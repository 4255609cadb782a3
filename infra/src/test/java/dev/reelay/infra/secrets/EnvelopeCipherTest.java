package dev.reelay.infra.secrets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeCipherTest {

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    private final EnvelopeCipher cipher = new EnvelopeCipher(randomKey());

    @Test
    void aSealedKeyOpensUnderTheSameMasterKeyAndScopeAndHoldsNoPlainText() {
        EnvelopeCipher.Sealed sealed = cipher.seal("llm", "sk-a-secret-key-value");

        assertThat(cipher.open("llm", sealed)).isEqualTo("sk-a-secret-key-value");
        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("secret");
        assertThat(sealed.wrappedKey()).hasSize(12 + 32 + 16); // nonce, data key, tag
        assertThat(cipher.seal("llm", "sk-a-secret-key-value").ciphertext()).as("a fresh data key and nonce each time")
                .isNotEqualTo(sealed.ciphertext());
    }

    @Test
    void aSealedKeyDoesNotOpenUnderAnotherScopeAnotherMasterKeyOrAfterTampering() {
        EnvelopeCipher.Sealed sealed = cipher.seal("provider:a", "sk-a-secret-key-value");

        assertThatThrownBy(() -> cipher.open("provider:b", sealed)).hasMessageContaining("does not decrypt");
        assertThatThrownBy(() -> new EnvelopeCipher(randomKey()).open("provider:a", sealed))
                .hasMessageContaining("another master key");
        byte[] tampered = sealed.ciphertext().clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> cipher.open("provider:a",
                new EnvelopeCipher.Sealed(tampered, sealed.wrappedKey(), sealed.masterId())))
                .hasMessageContaining("does not decrypt").hasMessageNotContaining("sk-a");
    }

    @Test
    void theMasterKeyComesFromTheEnvFirstThenTheFileAndMustBe32Bytes(@TempDir Path dir) throws Exception {
        byte[] fromFile = randomKey();
        Path file = dir.resolve("master.key");
        Files.writeString(file, Base64.getEncoder().encodeToString(fromFile) + "\n");
        byte[] fromEnv = randomKey();

        assertThat(ApiKeys.masterKey(new SecretsProperties(null, file, Duration.ofSeconds(2))).orElseThrow())
                .containsExactly(fromFile);
        assertThat(ApiKeys.masterKey(new SecretsProperties(Base64.getEncoder().encodeToString(fromEnv), file,
                Duration.ofSeconds(2))).orElseThrow()).containsExactly(fromEnv);
        assertThat(ApiKeys.masterKey(new SecretsProperties("", null, Duration.ofSeconds(2)))).isEmpty();
        assertThatThrownBy(() -> new EnvelopeCipher(new byte[16])).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> EnvelopeCipher.decodeMasterKey("not base64 !")).hasMessage("the master key is not Base64");
    }

    @Test
    void aFingerprintIsTheFirstEightHexDigitsOfTheSha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assertThat(ApiKeys.fingerprint("abc")).isEqualTo("ba7816bf");
    }
}
