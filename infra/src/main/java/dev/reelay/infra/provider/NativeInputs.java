package dev.reelay.infra.provider;

import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoSize;

import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the native formats (Gemini Veo, fal, Replicate) share: a Reelay size as the aspect ratio and resolution they
 * ask for, the reference image inline, and the provider's logs kept beside a job for the call log.
 */
final class NativeInputs {

    /** tqdm's progress bars, which Replicate and fal models print into their logs: {@code  45%|████▌ |}. */
    private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})%\\|");

    private NativeInputs() {
    }

    /** A job as the adapters parse it, with the provider's log text for the call log only. */
    record Observed(UpstreamJob job, String logs) {
    }

    static String aspectRatio(String size) {
        return VideoSize.parse(size).aspectRatio();
    }

    static String resolution(String size) {
        return VideoSize.parse(size).resolution();
    }

    /** The reference image as a data URL, which fal and Replicate accept for file inputs. */
    static String dataUrl(TaskSpec spec, byte[] image) {
        return "data:" + spec.referenceImage().contentType() + ";base64," + Base64.getEncoder().encodeToString(image);
    }

    /** The last progress bar percentage in a model's logs, or 0. */
    static int percentFromLogs(String logs) {
        if (logs == null) {
            return 0;
        }
        Matcher m = PERCENT.matcher(logs);
        int last = 0;
        while (m.find()) {
            last = Math.min(100, Integer.parseInt(m.group(1)));
        }
        return last;
    }
}
