package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks an audit export with no database and no running Reelay ({@code java -jar infra.jar verify-audit FILE
 * [--public-key KEY]}): every event's stored columns give its digest, the readable metadata and payload say what the
 * stored bytes say, the task's sequence is whole, the digests chain from the proof's start to the checkpoint's hash,
 * and the checkpoint is signed by the key. The key should come from the auditor's own copy (a JWK, or a checkpoint
 * file exported earlier); without {@code --public-key} the key inside the file is used, which proves consistency only.
 */
public final class OfflineAuditVerifier {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the check found: {@code problems} empty means verified; {@code notes} are worth reading either way. */
    public record Result(List<String> problems, List<String> notes, int events, long checkpointPosition) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private OfflineAuditVerifier() {
    }

    /** The command line: 0 verified, 1 not verified, 2 usage or unreadable input. */
    public static int run(String[] args) {
        if (args.length < 2 || (args.length != 2 && !(args.length == 4 && "--public-key".equals(args[2])))) {
            System.err.println("usage: java -jar infra.jar verify-audit EXPORT.json [--public-key KEY.json]");
            return 2;
        }
        try {
            Result result = verify(Path.of(args[1]), args.length == 4 ? Path.of(args[3]) : null);
            result.notes().forEach(note -> System.out.println("note: " + note));
            result.problems().forEach(problem -> System.out.println("FAILED: " + problem));
            System.out.println(result.ok()
                    ? "verified: " + result.events() + " events, chained to the checkpoint at position "
                    + result.checkpointPosition()
                    : "NOT verified: " + result.problems().size() + " problem(s)");
            return result.ok() ? 0 : 1;
        } catch (IOException | ParseException | IllegalArgumentException e) {
            System.err.println("cannot read the input: " + e.getMessage());
            return 2;
        }
    }

    public static Result verify(Path exportFile, Path publicKeyFile) throws IOException, ParseException {
        JsonNode export = JSON.readTree(Files.readString(exportFile));
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!AuditExport.FORMAT.equals(export.path("format").asText())) {
            throw new IllegalArgumentException("not a " + AuditExport.FORMAT + " file");
        }
        ECKey key;
        if (publicKeyFile != null) {
            JsonNode given = JSON.readTree(Files.readString(publicKeyFile));
            key = ECKey.parse(JSON.writeValueAsString(given.has("publicKey") ? given.get("publicKey") : given));
        } else {
            key = ECKey.parse(JSON.writeValueAsString(export.get("publicKey")));
            notes.add("no --public-key: checked against the key inside the file, which proves the file is consistent, "
                    + "not who signed it");
        }
        String videoId = export.path("videoId").asText();
        JsonNode events = export.path("events");
        JsonNode proof = export.path("proof");
        JsonNode checkpoint = proof.path("checkpoint");

        // 1. each event: its digest from the stored columns, and the readable parts say what the stored bytes say
        TreeMap<Long, byte[]> digests = new TreeMap<>();
        Map<Long, String> chainHashes = new TreeMap<>();
        long expectedSequence = 0;
        for (JsonNode event : events) {
            long position = event.path("position").asLong();
            JsonNode stored = event.path("stored");
            StoredEvent row = new StoredEvent(position, text(stored, "eventIdentifier"), text(stored, "aggregateIdentifier"),
                    stored.path("sequenceNumber").asLong(), text(stored, "type"), text(stored, "payloadType"),
                    text(stored, "payloadRevision"), text(stored, "timeStamp"), bytes(stored, "metaData"),
                    bytes(stored, "payload"));
            byte[] digest = row.digest();
            if (!StoredEvent.hex(digest).equals(event.path("entryDigest").asText())) {
                problems.add("position " + position + ": entryDigest is not the digest of the stored columns");
            }
            if (!videoId.equals(row.aggregateIdentifier()) || row.sequenceNumber() != expectedSequence
                    || !row.eventIdentifier().equals(event.path("eventId").asText())) {
                problems.add("position " + position + ": not event " + expectedSequence + " of " + videoId);
            }
            expectedSequence = row.sequenceNumber() + 1;
            if (!readable(parse(row.metaData())).equals(readable(event.get("metaData")))) {
                problems.add("position " + position + ": the readable metaData differs from the stored metaData");
            }
            if (!readable(parse(row.payload())).equals(readable(event.get("payload")))) {
                problems.add("position " + position + ": the readable payload differs from the stored payload");
            }
            digests.put(position, digest);
            if (event.hasNonNull("chainHash")) {
                chainHashes.put(position, event.get("chainHash").asText());
            }
        }
        if (checkpoint.isMissingNode() || checkpoint.isNull()) {
            problems.add("no checkpoint covers these events yet: export again once one is taken");
            return new Result(problems, notes, events.size(), 0);
        }
        long checkpointPosition = checkpoint.path("position").asLong();
        for (JsonNode link : proof.path("links")) {
            if (digests.putIfAbsent(link.path("position").asLong(), StoredEvent.unhex(link.path("entryDigest").asText())) != null) {
                problems.add("position " + link.path("position").asLong() + " is both an event and a link");
            }
        }

        // 2. the chain from the start hash through every entry up to the checkpoint
        byte[] hash = StoredEvent.unhex(proof.path("startHash").asText());
        long reached = 0;
        for (Map.Entry<Long, byte[]> entry : digests.headMap(checkpointPosition, true).entrySet()) {
            hash = StoredEvent.link(hash, entry.getValue());
            reached = entry.getKey();
            String claimed = chainHashes.get(entry.getKey());
            if (claimed != null && !claimed.equals(StoredEvent.hex(hash))) {
                problems.add("position " + entry.getKey() + ": chainHash does not follow from the entries before it");
            }
        }
        if (reached != checkpointPosition || !StoredEvent.hex(hash).equals(checkpoint.path("chainHash").asText())) {
            problems.add("the chain does not lead to the checkpoint's hash at position " + checkpointPosition);
        }
        int uncovered = digests.tailMap(checkpointPosition, false).size();
        if (uncovered > 0) {
            notes.add(uncovered + " event(s) after the checkpoint are not covered by it");
        }

        // 3. the checkpoint is signed by the key, and says what the file says
        try {
            if (!key.computeThumbprint().toString().equals(checkpoint.path("keyId").asText())) {
                notes.add("the checkpoint names key " + checkpoint.path("keyId").asText() + ", not this key");
            }
        } catch (JOSEException e) {
            problems.add("cannot compute the key's thumbprint");
        }
        var claims = CheckpointSignatures.verify(checkpoint.path("jws").asText(), key);
        if (claims.isEmpty()) {
            problems.add("the checkpoint's signature does not verify with this key");
        } else if (claims.get().position() != checkpointPosition
                || !claims.get().chainHash().equals(checkpoint.path("chainHash").asText())) {
            problems.add("the signed checkpoint differs from the checkpoint in the file");
        }
        return new Result(problems, notes, events.size(), checkpointPosition);
    }

    /** Ids as plain strings ({"value": x} becomes x) and no null fields, as the export shows them; the rest as it is. */
    private static JsonNode readable(JsonNode node) {
        if (node == null) {
            return JSON.nullNode();
        }
        if (node.isObject()) {
            if (node.size() == 1 && node.has("value") && node.get("value").isTextual()) {
                return node.get("value");
            }
            ObjectNode copy = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!field.getValue().isNull()) {
                    copy.set(field.getKey(), readable(field.getValue()));
                }
            }
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(item -> copy.add(readable(item)));
            return copy;
        }
        return node;
    }

    private static JsonNode parse(byte[] bytes) throws IOException {
        return bytes == null ? JSON.nullNode() : JSON.readTree(bytes);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static byte[] bytes(JsonNode node, String field) {
        String value = text(node, field);
        return value == null ? null : Base64.getDecoder().decode(value);
    }
}
