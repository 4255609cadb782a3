package dev.reelay.command.upstream;

import dev.reelay.kernel.event.AuditMetaData;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.stereotype.Component;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audit metadata of the commands that upstream work sends later from HTTP threads: the correlation and trace ids
 * of the event that asked for the work, so those commands (and the events they cause) still say which request started
 * it, with Reelay acting for the task as the principal.
 */
@Component
class RequestOrigins {

    /** The principal of the commands upstream observations turn into. */
    static final String SYSTEM_PRINCIPAL = "system:upstream";

    /** Per task in flight on this node: the request ids that started it (lost on restart, which is only less detail). */
    private final Map<VideoId, Map<String, Object>> origins = new ConcurrentHashMap<>();

    /** Call on the thread that handles the saga's event or deadline, before the work leaves it. */
    Map<String, Object> of(VideoId videoId) {
        Map<String, Object> origin = new HashMap<>();
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().getCorrelationData().forEach((key, value) -> {
                if (!key.equals(AuditMetaData.PRINCIPAL)) {
                    origin.put(key, value);
                }
            });
        }
        origin.put(AuditMetaData.PRINCIPAL, SYSTEM_PRINCIPAL);
        if (origin.containsKey(AuditMetaData.TRACE_ID)) {
            origins.put(videoId, Map.copyOf(origin));
            return origin;
        }
        // deadline messages do not carry the scheduling unit's correlation data: use what the submission saw
        return origins.getOrDefault(videoId, origin);
    }

    void forget(VideoId videoId) {
        origins.remove(videoId);
    }
}
