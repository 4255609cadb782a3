package dev.reelay.infra.audit;

import com.nimbusds.jose.jwk.ECKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The jar's offline modes, run instead of the server and without Spring: {@code verify-audit EXPORT [--public-key KEY]}
 * checks an audit export, {@code audit-keygen FILE} writes a new private checkpoint key (owner-readable only) and
 * prints its public half.
 */
public final class AuditCommands {

    private AuditCommands() {
    }

    public static boolean handles(String command) {
        return "verify-audit".equals(command) || "audit-keygen".equals(command);
    }

    /** The process exit code. */
    public static int run(String[] args) {
        if ("verify-audit".equals(args[0])) {
            return OfflineAuditVerifier.run(args);
        }
        if (args.length != 2) {
            System.err.println("usage: java -jar infra.jar audit-keygen FILE");
            return 2;
        }
        Path file = Path.of(args[1]);
        if (Files.exists(file)) {
            System.err.println(file + " exists; not overwritten");
            return 2;
        }
        try {
            ECKey key = CheckpointKey.generate();
            CheckpointKey.write(file, key);
            System.out.println(key.toPublicJWK().toJSONString());
            return 0;
        } catch (IOException e) {
            System.err.println("cannot write " + file + ": " + e.getMessage());
            return 2;
        }
    }
}
