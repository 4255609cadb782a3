package dev.reelay.infra.web;

import org.apache.coyote.Processor;
import org.apache.coyote.Request;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.SocketWrapperBase;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tomcat's NIO protocol with what {@link SlowConnectionGuard} needs to see: the open connections (a connection
 * waiting for the rest of its headers holds its processor) and the requests a worker thread is serving right now
 * (Tomcat detaches those processors from their connection while they run).
 */
public class GuardedNioProtocol extends Http11NioProtocol {

    /** A request on a worker thread, with the connection it arrives on. */
    record InService(Request request, SocketWrapperBase<?> connection) {
    }

    private final Set<InService> inService = ConcurrentHashMap.newKeySet();

    Set<? extends SocketWrapperBase<?>> openConnections() {
        return getEndpoint().getConnections();
    }

    Set<InService> inService() {
        return inService;
    }

    @Override
    protected Processor createProcessor() {
        return new Http11Processor(this, getAdapter()) {
            @Override
            public SocketState service(SocketWrapperBase<?> socketWrapper) throws IOException {
                InService entry = new InService(getRequest(), socketWrapper);
                inService.add(entry);
                try {
                    return super.service(socketWrapper);
                } finally {
                    inService.remove(entry);
                }
            }
        };
    }
}
