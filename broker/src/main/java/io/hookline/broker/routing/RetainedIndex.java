package io.hookline.broker.routing;

import io.hookline.api.mqtt.Topics;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * Retained messages (or anything keyed by topic name) indexed for wildcard lookup: a trie over
 * topic levels, so a lookup visits only the branches the filter can match. Thread-safe: lookups
 * are lock-free over ConcurrentHashMaps and volatile fields; put/remove (and pruning of empty
 * nodes) are serialized by one lock. Lookups see a weakly consistent view, like a
 * ConcurrentHashMap iterator.
 *
 * @param <V> the stored value, typically an immutable retained message
 */
public final class RetainedIndex<V> {
    private final Node<V> root = new Node<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile int size; // guarded by writeLock for writes
    private volatile int nodeCount; // excluding the root; guarded by writeLock for writes

    public RetainedIndex() {}

    /**
     * Stores the value under the topic name; returns the previous value or null.
     *
     * @throws IllegalArgumentException if topic is not a valid topic name
     */
    public V put(String topic, V value) {
        Objects.requireNonNull(value, "value");
        if (!Topics.isValidTopicName(topic)) {
            throw new IllegalArgumentException("invalid topic name: " + topic);
        }
        String[] levels = Topics.levels(topic);
        writeLock.lock();
        try {
            Node<V> node = root;
            for (String level : levels) {
                Node<V> child = node.child(level);
                if (child == null) {
                    child = node.addChild(level);
                    nodeCount++;
                }
                node = child;
            }
            Entry<V> previous = node.entry;
            node.entry = new Entry<>(topic, value);
            if (previous == null) {
                size++;
                return null;
            }
            return previous.value;
        } finally {
            writeLock.unlock();
        }
    }

    /** Removes the value stored under the topic name; returns it or null. */
    public V remove(String topic) {
        Objects.requireNonNull(topic, "topic");
        String[] levels = Topics.levels(topic);
        writeLock.lock();
        try {
            @SuppressWarnings("unchecked")
            Node<V>[] path = (Node<V>[]) new Node<?>[levels.length + 1];
            path[0] = root;
            for (int i = 0; i < levels.length; i++) {
                Node<V> child = path[i].child(levels[i]);
                if (child == null) {
                    return null;
                }
                path[i + 1] = child;
            }
            Node<V> node = path[levels.length];
            Entry<V> removed = node.entry;
            if (removed == null) {
                return null;
            }
            node.entry = null;
            size--;
            for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) {
                path[i - 1].removeChild(levels[i - 1], path[i]);
                nodeCount--;
            }
            return removed.value;
        } finally {
            writeLock.unlock();
        }
    }

    /** The value stored under exactly this topic name, or null. */
    public V get(String topic) {
        Objects.requireNonNull(topic, "topic");
        Node<V> node = root;
        int start = 0;
        while (node != null) {
            int slash = topic.indexOf('/', start);
            int end = slash < 0 ? topic.length() : slash;
            node = node.child(topic.substring(start, end));
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        Entry<V> entry = node == null ? null : node.entry;
        return entry == null ? null : entry.value;
    }

    /**
     * Every stored (topic, value) whose topic matches the filter; a filter whose first level is a
     * wildcard skips topics starting with '$'.
     *
     * @throws IllegalArgumentException if filter is not a valid topic filter
     */
    public void forEachMatching(String filter, BiConsumer<String, V> action) {
        Objects.requireNonNull(action, "action");
        if (!Topics.isValidFilter(filter)) {
            throw new IllegalArgumentException("invalid topic filter: " + filter);
        }
        String[] levels = Topics.levels(filter);
        // Explicit stack of (node, next filter level): deep topics must not recurse.
        ArrayDeque<Node<V>> nodes = new ArrayDeque<>();
        ArrayDeque<Integer> depths = new ArrayDeque<>();
        nodes.push(root);
        depths.push(0);
        while (!nodes.isEmpty()) {
            Node<V> node = nodes.pop();
            int depth = depths.pop();
            if (depth == levels.length) {
                accept(node, action);
                continue;
            }
            String level = levels[depth];
            boolean skipDollar = depth == 0;
            if (level.equals("#")) {
                accept(node, action); // "a/#" also matches "a"; the root never holds an entry
                forEachBelow(node, skipDollar, action);
            } else if (level.equals("+")) {
                ConcurrentHashMap<String, Node<V>> children = node.children;
                if (children != null) {
                    children.forEach((key, child) -> {
                        if (!skipDollar || !key.startsWith("$")) {
                            nodes.push(child);
                            depths.push(depth + 1);
                        }
                    });
                }
            } else {
                Node<V> child = node.child(level);
                if (child != null) {
                    nodes.push(child);
                    depths.push(depth + 1);
                }
            }
        }
    }

    /** Every stored (topic, value), '$' topics included. */
    public void forEach(BiConsumer<String, V> action) {
        Objects.requireNonNull(action, "action");
        forEachBelow(root, false, action);
    }

    /** Number of stored topics. */
    public int size() {
        return size;
    }

    /** Number of trie nodes below the root; returns to 0 once every topic is removed. */
    public int nodeCount() {
        return nodeCount;
    }

    /** Counts nodes by walking the trie; for tests that check {@link #nodeCount()} and pruning. */
    int walkNodeCount() {
        int[] count = {0};
        ArrayDeque<Node<V>> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            ConcurrentHashMap<String, Node<V>> children = todo.pop().children;
            if (children != null) {
                children.forEach((key, child) -> {
                    count[0]++;
                    todo.push(child);
                });
            }
        }
        return count[0];
    }

    private void forEachBelow(Node<V> top, boolean skipDollar, BiConsumer<String, V> action) {
        ArrayDeque<Node<V>> todo = new ArrayDeque<>();
        ConcurrentHashMap<String, Node<V>> topChildren = top.children;
        if (topChildren == null) {
            return;
        }
        topChildren.forEach((key, child) -> {
            if (!skipDollar || !key.startsWith("$")) {
                todo.push(child);
            }
        });
        while (!todo.isEmpty()) {
            Node<V> node = todo.pop();
            accept(node, action);
            ConcurrentHashMap<String, Node<V>> children = node.children;
            if (children != null) {
                children.forEach((key, child) -> todo.push(child));
            }
        }
    }

    private static <V> void accept(Node<V> node, BiConsumer<String, V> action) {
        Entry<V> entry = node.entry;
        if (entry != null) {
            action.accept(entry.topic, entry.value);
        }
    }

    /** Topic and value published together, so a reader never sees one without the other. */
    private record Entry<V>(String topic, V value) {}

    /** One level of the trie; the children map is created lazily and dropped when it empties. */
    private static final class Node<V> {
        volatile ConcurrentHashMap<String, Node<V>> children;
        volatile Entry<V> entry;

        Node<V> child(String level) {
            ConcurrentHashMap<String, Node<V>> map = children;
            return map == null ? null : map.get(level);
        }

        Node<V> addChild(String level) {
            ConcurrentHashMap<String, Node<V>> map = children;
            if (map == null) {
                map = new ConcurrentHashMap<>(4);
                children = map;
            }
            Node<V> child = new Node<>();
            map.put(level, child);
            return child;
        }

        void removeChild(String level, Node<V> child) {
            ConcurrentHashMap<String, Node<V>> map = children;
            map.remove(level, child);
            if (map.isEmpty()) {
                children = null;
            }
        }

        boolean isEmpty() {
            return children == null && entry == null;
        }
    }
}
