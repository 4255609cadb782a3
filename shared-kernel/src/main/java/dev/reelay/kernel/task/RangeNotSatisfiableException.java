package dev.reelay.kernel.task;

/** A {@code Range} request that cannot be served from content of {@code length} bytes; answered without the content. */
public class RangeNotSatisfiableException extends TaskRejectedException {

    private final long length;

    public RangeNotSatisfiableException(long length) {
        super(ErrorCode.RANGE_NOT_SATISFIABLE, "the requested range is malformed or outside the content's "
                + length + " bytes");
        this.length = length;
    }

    public long length() {
        return length;
    }
}
