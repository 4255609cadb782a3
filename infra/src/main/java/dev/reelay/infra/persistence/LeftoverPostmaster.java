package dev.reelay.infra.persistence;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A PostgreSQL that an earlier run left on the embedded data directory. The embedded server is a daemon of its own
 * (pg_ctl starts it), so when the app dies without its shutdown ({@code kill -9}, an OOM kill, a power-off of the
 * JVM only) the server keeps running and holds {@code postmaster.pid}; the next start would then wait for a server
 * that refuses to start. Before a start this stops such a server with a fast shutdown (committed work is on disk,
 * open transactions of the dead app are rolled back), but only when it is safe:
 * <ul>
 *   <li>the app that started it is gone: zonky holds an OS file lock on {@code epg-lock} in the data directory for as
 *       long as its JVM lives, so a lock we can take means its owner is dead. A live owner (a second {@code ./reelay}
 *       on the same directory) is refused with a clear message, never stopped;</li>
 *   <li>the pid in {@code postmaster.pid} is a {@code postgres} process running on this very data directory (its
 *       command and its working directory, where a postmaster always changes to). A pid reused by something else is
 *       left alone: then the file is stale and PostgreSQL itself handles it on start.</li>
 * </ul>
 */
final class LeftoverPostmaster {

    private static final Logger log = LoggerFactory.getLogger(LeftoverPostmaster.class);

    /** zonky's lock file in the data directory, held by the JVM that started the server. */
    static final String OWNER_LOCK = "epg-lock";

    private LeftoverPostmaster() {
    }

    /** Stops a server left running on {@code dataDir} by a dead app; returns its pid if there was one. */
    static Optional<Long> stopIfOrphaned(Path dataDir, Duration wait) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        Optional<ProcessHandle> postmaster = runningPostmaster(pidFile, dataDir);
        if (postmaster.isEmpty()) {
            return Optional.empty();
        }
        long pid = postmaster.get().pid();
        try (FileOutputStream lockStream = new FileOutputStream(dataDir.resolve(OWNER_LOCK).toFile());
             FileLock ownerLock = tryLock(lockStream)) {
            if (ownerLock == null) {
                throw new IllegalStateException("Another Reelay is running on " + dataDir + " (PostgreSQL pid " + pid
                        + "); stop it first, or give this one another REELAY_DATA_DIR");
            }
            log.warn("PostgreSQL (pid {}) was left running on {} by an earlier run that did not shut down "
                    + "(killed?); stopping it (fast shutdown) before starting again", pid, dataDir);
            fastShutdown(postmaster.get());
            try {
                postmaster.get().onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("PostgreSQL (pid " + pid + ") left on " + dataDir + " did not stop within "
                        + wait.toSeconds() + " s; stop it (kill -INT " + pid + ") and start again");
            } catch (ExecutionException e) {
                throw new IllegalStateException("could not wait for PostgreSQL pid " + pid, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping PostgreSQL pid " + pid, e);
            }
        }
        return Optional.of(pid);
    }

    /** The live postgres process {@code postmaster.pid} names, if it really is a server on this data directory. */
    private static Optional<ProcessHandle> runningPostmaster(Path pidFile, Path dataDir) throws IOException {
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.size() < 2 || !lines.get(0).trim().matches("-?\\d{1,10}")) {
            return Optional.empty(); // half-written: the server is still starting or was killed while starting
        }
        long pid = Math.abs(Long.parseLong(lines.get(0).trim())); // negative: a single-user backend
        if (!samePath(Path.of(lines.get(1).trim()), dataDir)) {
            return Optional.empty(); // the directory was moved: the file cannot be about a server on it
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(process -> isPostgres(process) && runsIn(process, dataDir));
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command()
                .map(command -> Path.of(command).getFileName().toString().equals("postgres"))
                .orElse(false);
    }

    /** A postmaster changes to its data directory; Linux shows it as {@code /proc/<pid>/cwd}, elsewhere the -D argument. */
    private static boolean runsIn(ProcessHandle process, Path dataDir) {
        Path cwd = Path.of("/proc", Long.toString(process.pid()), "cwd");
        if (Files.exists(Path.of("/proc/self/cwd"))) {
            try {
                return samePath(cwd.toRealPath(), dataDir);
            } catch (IOException | SecurityException unreadable) {
                return false;
            }
        }
        return process.info().arguments()
                .map(arguments -> List.of(arguments).contains(dataDir.toString()))
                .orElse(false);
    }

    /** SIGINT is PostgreSQL's fast shutdown; Java can only send SIGTERM (smart shutdown), which also works here. */
    private static void fastShutdown(ProcessHandle postmaster) throws IOException {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid()))
                    .redirectErrorStream(true).start();
            if (kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) {
                return;
            }
        } catch (IOException noKillCommand) {
            // fall through to SIGTERM
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping PostgreSQL pid " + postmaster.pid(), e);
        }
        postmaster.destroy();
    }

    private static FileLock tryLock(FileOutputStream stream) throws IOException {
        try {
            return stream.getChannel().tryLock();
        } catch (OverlappingFileLockException heldByThisJvm) {
            return null;
        }
    }

    private static boolean samePath(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
