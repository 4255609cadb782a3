package dev.reelay.query.access;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.task.TaskRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.Optional;

/**
 * The rule every route that names a task by id follows: the owner sees it; an admin sees it and the read is written to
 * the {@code reelay.audit} log; anyone else gets the same 404 as for a task that does not exist, so ids cannot be
 * probed. The owner comes from {@link TaskOwners}.
 */
@Component
public class TaskAccess {

    public static final String ADMIN_ROLE = "admin";

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");

    private final TaskOwners owners;

    public TaskAccess(TaskOwners owners) {
        this.owners = owners;
    }

    /**
     * The owner of {@code videoId} when {@code caller} may read it for {@code purpose} (a few words for the audit
     * log, e.g. "the history"); otherwise a 404 {@code TASK_NOT_FOUND}.
     */
    public Owner readable(String videoId, Owner caller, HttpServletRequest request, String purpose) {
        return visibleOwner(videoId, caller, request, purpose)
                .orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
    }

    /**
     * The same rule for a route that words its own "not found" (the OpenAI routes): empty wherever
     * {@link #readable} would answer 404.
     */
    public Optional<Owner> visibleOwner(String videoId, Owner caller, HttpServletRequest request, String purpose) {
        return owners.ownerOf(videoId).filter(owner -> mayRead(videoId, owner, caller, request, purpose));
    }

    /** The same rule when the route already holds the task's owner. */
    public void check(String videoId, Owner owner, Owner caller, HttpServletRequest request, String purpose) {
        if (!mayRead(videoId, owner, caller, request, purpose)) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
    }

    public static boolean isAdmin(HttpServletRequest request) {
        return request.isUserInRole(ADMIN_ROLE);
    }

    private static boolean mayRead(String videoId, Owner owner, Owner caller, HttpServletRequest request,
                                   String purpose) {
        if (owner.equals(caller)) {
            return true;
        }
        if (!isAdmin(request)) {
            return false;
        }
        audit.info("admin {} read {} of task {} owned by {} via {}", caller, purpose, videoId, owner,
                request.getRequestURI());
        return true;
    }
}
