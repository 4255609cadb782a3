package dev.reelay.query.content;

import org.springframework.core.io.Resource;

import java.util.Optional;

/** Where a finished task's bytes can be read from: Reelay's archive first, the provider otherwise. */
public interface ContentSource {

    /** The variants a task can have. */
    enum Variant { VIDEO, THUMBNAIL, SPRITESHEET }

    /** The bytes of one variant, with their media type, or empty if neither the archive nor the provider has them. */
    Optional<Content> open(String videoId, String providerId, String externalTaskId, String contentLocation, Variant variant);

    /** A readable resource and its media type. */
    record Content(Resource resource, String mediaType) {
    }
}
