package dev.reelay.query;

import java.util.List;

/**
 * The processing groups of the read models, named once: the projectors' {@code @ProcessingGroup}, infra's processor
 * settings and the admin rebuild route all refer to these.
 */
public final class ProjectionGroups {

    public static final String TASK_VIEWS = "task-views";
    public static final String LINEAGE = "lineage";
    public static final String ACCOUNTS = "accounts";
    /** Every read model: pure projections, rebuildable from the events, that send no message. */
    public static final List<String> ALL = List.of(TASK_VIEWS, LINEAGE, ACCOUNTS);

    private ProjectionGroups() {
    }
}
