package dev.reelay.infra.web;

import org.apache.coyote.Processor;
import org.apache.coyote.Request;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketWrapperBase;

import java.io.IOException;
import java.util.Collection;
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

    public GuardedNioProtocol() {
        super(new GuardedEndpoint());
    }

    /**
     * The open connections, as Tomcat's live map holds them (weakly consistent while it changes). Tomcat's
     * {@code getConnections()} copies them into a new set, which the guard asked for every 200 ms: with 10,000 live
     * event streams open, most of the guard's CPU (benchmark 5).
     */
    Collection<? extends SocketWrapperBase<?>> openConnections() {
        return ((GuardedEndpoint) getEndpoint()).open();
    }

    /** Tomcat's NIO endpoint, with its connection map readable without a copy. */
    static final class GuardedEndpoint extends NioEndpoint {

        Collection<SocketWrapperBase<NioChannel>> open() {
            return connections.values();
        }
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
