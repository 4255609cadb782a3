package dev.reelay.infra.secrets;

import dev.reelay.kernel.event.ApiKeyRotated;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import org.axonframework.eventhandling.gateway.EventGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The one place upstream keys are read from. Every HTTP adapter asks {@link #ref} for its scope's key once and reads
 * {@link Ref#current()} per request: the key an admin set at run time (managed, stored envelope-encrypted in
 * {@code managed_api_key}) when there is one, else the configured key (env or file). Each node polls the table's
 * versions every {@code reelay.secrets.poll-interval}, so a rotation on one node reaches every node within that time;
 * a request already sent keeps the key it was sent with.
 */
@Component
public class ApiKeys implements SmartLifecycle {

    /** The LLM's scope; a video provider's is {@link #providerScope}. */
    public static final String LLM = "llm";

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
    /** Printable ASCII without spaces: a key goes into an HTTP header as it is. */
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{8,4096}");

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final EventGateway events;
    private final Clock clock;
    private final SecretsProperties settings;
    private final Optional<EnvelopeCipher> cipher;
    private final Map<String, Managed> managed = new ConcurrentHashMap<>();
    /** every key value this node has seen per scope, so one echoed back by an upstream is redacted even after a rotation */
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService poller;

    ApiKeys(JdbcTemplate jdbc, TransactionTemplate transactions, EventGateway events, Clock clock, SecretsProperties settings) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.events = events;
        this.clock = clock;
        this.settings = settings;
        this.cipher = masterKey(settings).map(EnvelopeCipher::new);
    }

    /** A key an admin set: its value (never shown), fingerprint, when and by whom, and the row's version. */
    public record Managed(String value, String fingerprint, Instant updatedAt, String updatedBy, long version) {
        @Override
        public String toString() {
            return "Managed[fingerprint=" + fingerprint + ", updatedAt=" + updatedAt + ", updatedBy=" + updatedBy + "]";
        }
    }

    /** A scope's key as calls read it. */
    public interface Ref {

        /** The key to send now. */
        String current();

        /** {@code text} with every key value of this scope this node has seen replaced by {@code ***}. */
        String redact(String text);
    }

    /** The first 8 hex digits of the key's SHA-256: tells keys apart, never recovers one. */
    public static String fingerprint(String key) {
        return EnvelopeCipher.fingerprint(key);
    }

    public static String providerScope(String providerId) {
        return "provider:" + providerId;
    }

    /** The key of {@code scope}: managed when set, else {@code configured} (the env or file key, may be empty). */
    public Ref ref(String scope, String configured) {
        remember(scope, configured);
        return new Ref() {
            @Override
            public String current() {
                Managed key = managed.get(scope);
                return key != null ? key.value() : configured;
            }

            @Override
            public String redact(String text) {
                if (text == null) {
                    return null;
                }
                String redacted = text;
                for (String value : seen.getOrDefault(scope, Set.of())) {
                    redacted = redacted.replace(value, "***");
                }
                return redacted;
            }
        };
    }

    /** The managed key of a scope, if an admin set one (and this node can decrypt it). */
    public Optional<Managed> managed(String scope) {
        return Optional.ofNullable(managed.get(scope));
    }

    /** Sets or rotates the key of {@code scope}; audited as {@link ApiKeyRotated} with fingerprints only. */
    public Managed set(String scope, String apiKey, String by) {
        EnvelopeCipher sealer = cipher.orElseThrow(() -> new TaskRejectedException(ErrorCode.MASTER_KEY_MISSING,
                "keys cannot be set at run time without a master key: set REELAY_MASTER_KEY or "
                        + "reelay.secrets.master-key-file (configured keys keep working)"));
        if (apiKey == null || !KEY.matcher(apiKey).matches()) {
            throw TaskRejectedException.invalidField("apiKey", "INVALID_KEY",
                    "apiKey must be 8 to 4096 printable ASCII characters without spaces");
        }
        EnvelopeCipher.Sealed sealed = sealer.seal(scope, apiKey);
        String fingerprint = EnvelopeCipher.fingerprint(apiKey);
        Instant at = clock.instant();
        String previous = transactions.execute(tx -> {
            List<String> before = jdbc.queryForList("select fingerprint from managed_api_key where scope = ? for update",
                    String.class, scope);
            jdbc.update("insert into managed_api_key (scope, ciphertext, wrapped_key, master_key_id, fingerprint, version, "
                            + "updated_at, updated_by) values (?, ?, ?, ?, ?, nextval('managed_api_key_version'), ?, ?) "
                            + "on conflict (scope) do update set ciphertext = excluded.ciphertext, "
                            + "wrapped_key = excluded.wrapped_key, master_key_id = excluded.master_key_id, "
                            + "fingerprint = excluded.fingerprint, version = excluded.version, "
                            + "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                    scope, sealed.ciphertext(), sealed.wrappedKey(), sealed.masterId(), fingerprint, Timestamp.from(at), by);
            String was = before.isEmpty() ? null : before.get(0);
            // the audit record commits with the key or not at all
            events.publish(new ApiKeyRotated(scope, was, fingerprint, by, at));
            return was;
        });
        log.info("key of {} set by {}: fingerprint {} (was {})", scope, by, fingerprint, previous == null ? "none" : previous);
        refresh();
        return managed.get(scope);
    }

    /** Loads every row whose version this node has not seen yet. */
    void refresh() {
        Map<String, Long> versions = new java.util.HashMap<>();
        jdbc.query("select scope, version from managed_api_key", rs -> {
            versions.put(rs.getString(1), rs.getLong(2));
        });
        for (Map.Entry<String, Long> row : versions.entrySet()) {
            Managed known = managed.get(row.getKey());
            if (known == null || known.version() != row.getValue()) {
                load(row.getKey());
            }
        }
    }

    private void load(String scope) {
        if (cipher.isEmpty()) {
            log.warn("the key of {} is managed, but no master key is configured: its configured key is used", scope);
            return;
        }
        jdbc.query("select ciphertext, wrapped_key, master_key_id, fingerprint, version, updated_at, updated_by "
                + "from managed_api_key where scope = ?", rs -> {
            try {
                String value = cipher.get().open(scope, new EnvelopeCipher.Sealed(rs.getBytes(1), rs.getBytes(2), rs.getString(3)));
                remember(scope, value);
                Managed key = new Managed(value, rs.getString(4), rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getLong(5));
                Managed before = managed.put(scope, key);
                if (before != null) {
                    log.info("key of {} rotated: fingerprint {} (was {})", scope, key.fingerprint(), before.fingerprint());
                }
            } catch (IllegalStateException e) {
                log.warn("{}: its configured key is used", e.getMessage());
            }
        }, scope);
    }

    private void remember(String scope, String value) {
        if (value != null && value.length() >= 4) {
            seen.computeIfAbsent(scope, s -> ConcurrentHashMap.newKeySet()).add(value);
        }
    }

    /** The master key from {@code master-key} (the env), else from {@code master-key-file}, else none. */
    static Optional<byte[]> masterKey(SecretsProperties settings) {
        if (settings.masterKey() != null && !settings.masterKey().isBlank()) {
            return Optional.of(EnvelopeCipher.decodeMasterKey(settings.masterKey()));
        }
        if (settings.masterKeyFile() != null) {
            try {
                return Optional.of(EnvelopeCipher.decodeMasterKey(Files.readString(settings.masterKeyFile())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read reelay.secrets.master-key-file", e);
            }
        }
        return Optional.empty();
    }

    /** Whether keys can be set at run time here. */
    public boolean canManage() {
        return cipher.isPresent();
    }

    @Override
    public void start() {
        refresh();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "api-key-poll");
            thread.setDaemon(true);
            return thread;
        });
        long every = settings.pollInterval().toMillis();
        executor.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                log.warn("could not look for rotated keys: {}", e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        poller = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = poller;
        poller = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return poller != null;
    }

    /** Keys are known before the adapters' first call and before the web server takes requests. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
