package io.hookline.broker.admin;

import java.net.InetSocketAddress;
import java.util.List;

/** The management HTTP listeners that are bound, for {@code listener show}. Thread-safe. */
public interface HttpListeners {
    record Bound(String name, InetSocketAddress address) {}

    List<Bound> bound();

    HttpListeners NONE = List::of;
}
