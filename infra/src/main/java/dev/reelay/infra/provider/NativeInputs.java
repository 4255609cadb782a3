package dev.reelay.infra.provider;

import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;

import java.math.BigInteger;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the native formats (Gemini Veo, fal, Replicate) share: a Reelay size as the aspect ratio and resolution they
 * ask for, the reference image inline, and the provider's logs kept beside a job for the call log.
 */
final class NativeInputs {

    private static final Pattern SIZE = Pattern.compile("(\\d{2,5})x(\\d{2,5})");
    /** tqdm's progress bars, which Replicate and fal models print into their logs: {@code  45%|████▌ |}. */
    private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})%\\|");

    private NativeInputs() {
    }

    /** A job as the adapters parse it, with the provider's log text for the call log only. */
    record Observed(UpstreamJob job, String logs) {
    }

    /** {@code 1280x720} → {@code 16:9}; {@code 720x720} → {@code 1:1}. */
    static String aspectRatio(String size) {
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException("size " + size + " is not WIDTHxHEIGHT");
        }
        int w = Integer.parseInt(m.group(1));
        int h = Integer.parseInt(m.group(2));
        int gcd = BigInteger.valueOf(w).gcd(BigInteger.valueOf(h)).intValue();
        return (w / gcd) + ":" + (h / gcd);
    }

    /** The shorter side as providers name resolutions: {@code 1280x720} → {@code 720p}. */
    static String resolution(String size) {
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException("size " + size + " is not WIDTHxHEIGHT");
        }
        return Math.min(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))) + "p";
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
