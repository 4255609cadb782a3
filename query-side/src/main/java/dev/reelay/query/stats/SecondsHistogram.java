package dev.reelay.query.stats;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The fixed buckets of seconds to complete in {@code task_stats}: bucket {@code i} (1-based, as in PostgreSQL arrays)
 * holds {@code [BOUNDS[i-1], BOUNDS[i])}, the last one everything from 100,000 s. The bounds are 0 and the R10 preferred
 * numbers, so neighbours differ by a factor of at most 1.28. The same bounds are in SQL ({@code task_stats_bucket} in
 * V9__task_stats.sql); a test checks that both agree.
 */
public final class SecondsHistogram {

    static final double[] BOUNDS = {0, 1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8, 10, 12.5, 16, 20, 25, 31.5, 40, 50, 63,
            80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300,
            8000, 10000, 12500, 16000, 20000, 25000, 31500, 40000, 50000, 63000, 80000, 100000};

    private SecondsHistogram() {
    }

    /** The 1-based bucket of a duration; negative durations (clock skew) count in the first. */
    public static int bucketOf(double seconds) {
        int i = Arrays.binarySearch(BOUNDS, seconds);
        int bucket = i >= 0 ? i + 1 : -i - 1;
        return Math.max(1, bucket);
    }

    /** The lower bounds of the buckets, in seconds. */
    public static double[] bounds() {
        return BOUNDS.clone();
    }

    static int buckets() {
        return BOUNDS.length;
    }

    static String boundsLiteral() {
        return Arrays.stream(BOUNDS).mapToObj(SecondsHistogram::plain).collect(Collectors.joining(",", "{", "}"));
    }

    private static String plain(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }

    /**
     * The {@code p} percentile the way {@code percentile_cont} defines it (interpolating between the two samples around
     * rank {@code p × (n - 1)}), with each sample placed evenly inside its bucket: {@code counts[i]} is bucket
     * {@code i + 1}. Off by at most the width of the buckets the two samples are in; values in the last, open bucket
     * read as its lower bound. Null without samples.
     */
    static Double percentile(long[] counts, double p) {
        long n = Arrays.stream(counts).sum();
        if (n == 0) {
            return null;
        }
        double rank = p * (n - 1);
        long below = (long) Math.floor(rank);
        double low = sample(counts, below);
        if (rank == below) {
            return low;
        }
        return low + (rank - below) * (sample(counts, below + 1) - low);
    }

    /** The estimated value of the {@code k}-th (0-based) smallest sample. */
    private static double sample(long[] counts, long k) {
        long before = 0;
        for (int i = 0; i < counts.length; i++) {
            if (k < before + counts[i]) {
                double lower = BOUNDS[i];
                if (i + 1 >= BOUNDS.length) {
                    return lower;
                }
                double upper = BOUNDS[i + 1];
                return lower + (k - before + 0.5) / counts[i] * (upper - lower);
            }
            before += counts[i];
        }
        throw new IllegalArgumentException("rank " + k + " beyond " + before + " samples");
    }
}
