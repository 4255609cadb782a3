package dev.reelay.infra.web;

import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SocketWrapperBase;

import java.util.Set;

/** Tomcat's NIO protocol with its open connections visible to {@link SlowConnectionGuard}. */
public class GuardedNioProtocol extends Http11NioProtocol {

    Set<? extends SocketWrapperBase<?>> openConnections() {
        return getEndpoint().getConnections();
    }
}
