package io.hookline.bench.scenario;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A broker under test: a display name, a loopback address and, when known, its process id (for CPU
 * and RSS sampling). Only loopback addresses are accepted: this tool generates load and must never
 * be pointed at someone else's server.
 */
public record Target(String name, InetSocketAddress address, long pid) {

    public Target {
        if (!address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing non-loopback target " + address + ": load only 127.0.0.1");
        }
    }

    /** Parses {@code name=host:port} or {@code name=host:port@pid}. */
    public static Target parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("target must be NAME=HOST:PORT[@PID]: " + spec);
        }
        String name = spec.substring(0, eq);
        String rest = spec.substring(eq + 1);
        long pid = 0;
        int at = rest.indexOf('@');
        if (at >= 0) {
            pid = Long.parseLong(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        int colon = rest.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("target must be NAME=HOST:PORT[@PID]: " + spec);
        }
        String host = rest.substring(0, colon);
        int port = Integer.parseInt(rest.substring(colon + 1));
        try {
            // Literal addresses only resolve without DNS; names like "localhost" go through the resolver.
            InetAddress addr = InetAddress.getByName(host);
            return new Target(name, new InetSocketAddress(addr, port), pid);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in " + spec, e);
        }
    }

    public boolean hasPid() {
        return pid > 0;
    }
}
