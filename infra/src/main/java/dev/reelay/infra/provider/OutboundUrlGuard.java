package dev.reelay.infra.provider;

import org.springframework.stereotype.Component;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one gate for every URL Reelay fetches that it did not configure itself (content URLs taken from provider
 * responses): http(s) only, and no loopback, private, link-local, multicast or cloud-metadata address after DNS
 * resolution — unless the host is explicitly allowed (the in-process sandbox is, by configuration).
 */
@Component
public class OutboundUrlGuard {

    private final List<String> allowedHosts;

    OutboundUrlGuard(OutboundProperties properties) {
        this.allowedHosts = properties.allowedLocalHosts().stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
    }

    /** Why the URL may not be fetched, or empty if it may. */
    public Optional<String> refusal(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Optional.of("not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("scheme " + scheme + " is not allowed");
        }
        String host = uri.getHost();
        if (host == null || uri.getUserInfo() != null) {
            return Optional.of("no plain host");
        }
        if (allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (internal(address)) {
                    return Optional.of(host + " resolves to an internal address");
                }
            }
        } catch (UnknownHostException e) {
            return Optional.of("unknown host " + host);
        }
        return Optional.empty();
    }

    static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            return (b[0] & 0xFE) == 0xFC; // unique local fc00::/7
        }
        int first = b[0] & 0xFF;
        int second = b[1] & 0xFF;
        return first == 0 || first == 100 && second >= 64 && second <= 127 // carrier-grade NAT
                || first == 169 && second == 254 // link-local, cloud metadata
                || first == 198 && (second == 18 || second == 19); // benchmarking ranges
    }
}
