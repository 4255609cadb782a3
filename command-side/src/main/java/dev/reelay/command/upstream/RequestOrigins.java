package dev.reelay.command.upstream;

import dev.reelay.kernel.event.AuditMetaData;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.springframework.stereotype.Component;

import java.util.Map;
import java.util.Set;
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
    private final Map<VideoId, MetaData> origins = new ConcurrentHashMap<>();

    /** Call on the thread that handles the saga's event or deadline, before the work leaves it. */
    MetaData of(VideoId videoId) {
        MetaData correlation = CurrentUnitOfWork.isStarted()
                ? CurrentUnitOfWork.get().getCorrelationData().withoutKeys(Set.of(AuditMetaData.PRINCIPAL))
                : MetaData.emptyInstance();
        MetaData origin = correlation.and(AuditMetaData.PRINCIPAL, SYSTEM_PRINCIPAL);
        if (origin.containsKey(AuditMetaData.TRACE_ID)) {
            origins.put(videoId, origin);
            return origin;
        }
        // deadline messages do not carry the scheduling unit's correlation data: use what the submission saw
        return origins.getOrDefault(videoId, origin);
    }

    void forget(VideoId videoId) {
        origins.remove(videoId);
    }
}
