package dev.reelay.infra.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;

/**
 * A body stream that passes reads through to the container's: a subclass sees each bulk read in
 * {@link #read(byte[], int, int)} and may fail it; a single-byte read goes the same way.
 */
abstract class ObservedBodyStream extends ServletInputStream {

    protected final ServletInputStream delegate;

    ObservedBodyStream(ServletInputStream delegate) {
        this.delegate = delegate;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public boolean isFinished() {
        return delegate.isFinished();
    }

    @Override
    public boolean isReady() {
        return delegate.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
        delegate.setReadListener(listener);
    }
}
