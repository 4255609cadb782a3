package dev.reelay.infra.audit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;

/**
 * The key checkpoints are signed with: a private P-256 key (ES256) as a JWK in the file {@code reelay.audit.signing-key}.
 * It is read from the file system at start-up and never written to the database, so whoever can rewrite the tables
 * still cannot sign a checkpoint. Without the file the node refuses to start, unless {@code create-missing-key} allows
 * a development key to be made there (the default profile does; production does not).
 */
@Component
class CheckpointKey {

    private static final Logger log = LoggerFactory.getLogger(CheckpointKey.class);

    private final ECKey key;
    private final String keyId;

    CheckpointKey(AuditProperties properties) {
        this.key = load(properties.signingKey(), properties.createMissingKey());
        try {
            this.keyId = key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the checkpoint key's thumbprint", e);
        }
    }

    /** The RFC 7638 thumbprint of the public key: what a checkpoint names as {@code kid}. */
    String keyId() {
        return keyId;
    }

    /** The public half, for exports and for whoever verifies checkpoints. */
    JWK publicJwk() {
        return new ECKey.Builder(key.toPublicJWK()).keyID(keyId).build();
    }

    /** A compact JWS (ES256, {@code kid} = the key id) over {@code json}. */
    String sign(String json) {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keyId).build(), new Payload(json));
        try {
            jws.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a checkpoint", e);
        }
        return jws.serialize();
    }

    private static ECKey load(Path file, boolean createMissing) {
        try {
            if (Files.exists(file)) {
                JWK jwk = JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
                if (!(jwk instanceof ECKey ec) || !ec.isPrivate() || !Curve.P_256.equals(ec.getCurve())) {
                    throw new IllegalStateException("reelay.audit.signing-key " + file + " must hold a private P-256 EC JWK");
                }
                return ec;
            }
            if (!createMissing) {
                throw new IllegalStateException("reelay.audit.signing-key " + file + " does not exist; create one with "
                        + "`java -jar infra.jar audit-keygen " + file + "` (see docs/deployment.md)");
            }
            ECKey created = generate();
            write(file, created);
            log.warn("made a development checkpoint key in {}: checkpoints are only as safe as that file; "
                    + "production names its own key (reelay.audit.signing-key)", file);
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reelay.audit.signing-key " + file, e);
        } catch (ParseException e) {
            throw new IllegalStateException("reelay.audit.signing-key " + file + " is not a JWK", e);
        }
    }

    /** A new private P-256 key. */
    static ECKey generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot make a P-256 key", e);
        }
    }

    /** Writes a private key readable by its owner only (where the file system knows POSIX permissions). */
    static void write(Path file, ECKey key) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, key.toJSONString(), StandardCharsets.UTF_8);
    }
}
