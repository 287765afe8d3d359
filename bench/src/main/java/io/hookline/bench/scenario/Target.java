package io.hookline.bench.scenario;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A broker under test: a display name, a loopback address and, when known, its process id (for CPU
 * and RSS sampling). Only loopback addresses are accepted: this tool generates load and must never
 * be pointed at someone else's server. A cluster is one target whose subscribers connect to other
 * nodes ({@code subscribeTo}, in turn; empty: all to {@code address}, where the publishers connect).
 */
public record Target(String name, InetSocketAddress address, long pid, List<InetSocketAddress> subscribeTo) {

    public Target {
        if (!address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing non-loopback target " + address + ": load only 127.0.0.1");
        }
        for (InetSocketAddress a : subscribeTo) {
            if (!a.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("refusing non-loopback target " + a + ": load only 127.0.0.1");
            }
        }
        subscribeTo = List.copyOf(subscribeTo);
    }

    public Target(String name, InetSocketAddress address, long pid) {
        this(name, address, pid, List.of());
    }

    /**
     * Parses {@code name=host:port}, {@code name=host:port@pid}, and either followed by
     * {@code /host:port,host:port...}: the nodes of a cluster the subscribers connect to, in turn.
     */
    public static Target parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("target must be NAME=HOST:PORT[@PID][/HOST:PORT,...]: " + spec);
        }
        String name = spec.substring(0, eq);
        String rest = spec.substring(eq + 1);
        List<InetSocketAddress> subscribeTo = new ArrayList<>();
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            for (String node : rest.substring(slash + 1).split(",")) {
                subscribeTo.add(address(node.trim(), spec));
            }
            rest = rest.substring(0, slash);
        }
        long pid = 0;
        int at = rest.indexOf('@');
        if (at >= 0) {
            pid = Long.parseLong(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        return new Target(name, address(rest, spec), pid, subscribeTo);
    }

    private static InetSocketAddress address(String hostPort, String spec) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("target must be NAME=HOST:PORT[@PID][/HOST:PORT,...]: " + spec);
        }
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        try {
            // Literal addresses only resolve without DNS; names like "localhost" go through the resolver.
            InetAddress addr = InetAddress.getByName(host);
            return new InetSocketAddress(addr, port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in " + spec, e);
        }
    }

    /** Where subscriber number {@code i} connects. */
    public InetSocketAddress subscriberAddress(int i) {
        return subscribeTo.isEmpty() ? address : subscribeTo.get(i % subscribeTo.size());
    }

    public boolean hasPid() {
        return pid > 0;
    }
}
