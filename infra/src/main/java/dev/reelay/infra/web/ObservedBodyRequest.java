package dev.reelay.infra.web;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;

/**
 * A request whose body stream is wrapped by {@link #observe} the first time it is asked for, and the same wrapped
 * stream every time after: the body filters watch every byte MVC reads without buffering any.
 */
abstract class ObservedBodyRequest extends HttpServletRequestWrapper {

    private ServletInputStream stream;

    ObservedBodyRequest(HttpServletRequest request) {
        super(request);
    }

    /** The stream MVC reads instead of the container's {@code body}. */
    abstract ServletInputStream observe(ServletInputStream body);

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (stream == null) {
            stream = observe(super.getInputStream());
        }
        return stream;
    }
}
