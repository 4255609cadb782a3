package dev.reelay.infra.provider;

import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import reactor.core.publisher.Mono;

/** One provider's wire format. Errors are {@code UpstreamException}s; nothing secret goes into them. */
interface ProviderClient {

    Mono<UpstreamJob> create(VideoId videoId, TaskSpec spec, byte[] image, int attempt);

    Mono<UpstreamJob> remix(String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt);

    Mono<UpstreamJob> retrieve(String externalTaskId, VideoId videoId);

    Mono<Void> delete(String externalTaskId, VideoId videoId);

    /** The answer of a format that cannot remix: the remix task fails as refused, nothing is sent. */
    static Mono<UpstreamJob> remixUnsupported(String api) {
        return Mono.error(new dev.reelay.command.upstream.UpstreamException(
                dev.reelay.command.upstream.UpstreamException.Kind.USER_ERROR, 0, "remix_unsupported",
                api + " cannot remix a video", null));
    }
}
