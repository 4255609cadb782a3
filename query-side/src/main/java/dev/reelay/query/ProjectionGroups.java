package dev.reelay.query;

/**
 * The processing groups of the read models, named once: the projectors' {@code @ProcessingGroup}, infra's processor
 * settings and the admin rebuild route all refer to these.
 */
public final class ProjectionGroups {

    public static final String TASK_VIEWS = "task-views";
    public static final String LINEAGE = "lineage";
    public static final String ACCOUNTS = "accounts";

    private ProjectionGroups() {
    }
}
