package dev.reelay.command.web;

import dev.reelay.kernel.task.TaskRejectedException;

import java.util.List;
import java.util.Map;

/**
 * Multipart parts that only make sense as files. Sent as a text field (a URL, say) such a part would otherwise be
 * ignored and the task created without its image; it is refused with a 422 naming the part instead. Reelay never
 * fetches a reference image from a URL (see {@code input_reference.image_url} on the JSON route for data URLs).
 */
final class FileParts {

    static final List<String> FILE_ONLY = List.of("input_reference");

    private FileParts() {
    }

    static void refuseAsText(Map<String, String> textFields) {
        for (String name : FILE_ONLY) {
            if (textFields.containsKey(name)) {
                throw TaskRejectedException.invalidField(name, "FILE_EXPECTED", name + " must be a file part "
                        + "(Content-Disposition with a filename) holding a PNG, JPEG or WebP image; a text value such as "
                        + "a URL is not accepted");
            }
        }
    }
}
