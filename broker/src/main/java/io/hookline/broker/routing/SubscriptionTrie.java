package io.hookline.broker.routing;

import io.hookline.api.mqtt.Topics;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Subscription index as a trie over topic levels, so matching costs O(topic depth + matches)
 * however many subscriptions there are. Thread-safe: lock-free readers over ConcurrentHashMaps and
 * volatile fields; writers (add/remove, including pruning of empty nodes) are serialized by one
 * lock, so a node is never pruned while another writer is attaching something to it.
 */
public final class SubscriptionTrie implements SubscriptionIndex {
    private final Node root = new Node();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile int size; // guarded by writeLock for writes
    private volatile int nodeCount; // excluding the root; guarded by writeLock for writes

    public SubscriptionTrie() {}

    /**
     * What a subscription to {@code filter} costs the router and its session, in approximate bytes,
     * when no other subscription shares its trie nodes: the filter text (held twice) and per level a
     * trie node with its child map, entry and level string (~200 bytes). A 32,001-level filter of
     * 64 KB costs ~6.5 MB: this, not its size on the wire, is what max_subscription_memory bounds.
     */
    public static long subscriptionCost(String filter) {
        return 160 + 2L * filter.length() + 200L * Topics.depth(filter);
    }

    @Override
    public Subscription add(Subscription s) {
        Objects.requireNonNull(s, "subscription");
        if (!Topics.isValidFilter(s.filter())) {
            throw new IllegalArgumentException("invalid topic filter: " + s.filter());
        }
        if (s.shareGroup() != null && !Topics.isValidShareName(s.shareGroup())) {
            throw new IllegalArgumentException("invalid share name: " + s.shareGroup());
        }
        String[] levels = Topics.levels(s.filter());
        writeLock.lock();
        try {
            Node node = root;
            for (String level : levels) {
                Node child = node.child(level);
                if (child == null) {
                    child = node.addChild(level);
                    nodeCount++;
                }
                node = child;
            }
            Subscription replaced;
            if (s.shareGroup() == null) {
                replaced = node.directOrCreate().put(s.subscriber(), s);
            } else {
                Map<String, SharedGroup> groups = node.sharedOrCreate();
                SharedGroup group = groups.get(s.shareGroup());
                if (group == null) {
                    group = new SharedGroup(s.shareGroup(), s.filter());
                }
                replaced = group.put(s);
                // Publish the group only once it has its first member.
                groups.putIfAbsent(s.shareGroup(), group);
            }
            if (replaced == null) {
                size++;
            }
            return replaced;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Subscription remove(SubscriberId subscriber, String shareGroup, String filter) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(filter, "filter");
        String[] levels = Topics.levels(filter);
        writeLock.lock();
        try {
            Node[] path = new Node[levels.length + 1];
            path[0] = root;
            for (int i = 0; i < levels.length; i++) {
                Node child = path[i].child(levels[i]);
                if (child == null) {
                    return null;
                }
                path[i + 1] = child;
            }
            Node node = path[levels.length];
            Subscription removed = removeFrom(node, subscriber, shareGroup);
            if (removed == null) {
                return null;
            }
            size--;
            for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) {
                path[i - 1].removeChild(levels[i - 1], path[i]);
                nodeCount--;
            }
            return removed;
        } finally {
            writeLock.unlock();
        }
    }

    private static Subscription removeFrom(Node node, SubscriberId subscriber, String shareGroup) {
        if (shareGroup == null) {
            Map<SubscriberId, Subscription> direct = node.direct;
            Subscription removed = direct == null ? null : direct.remove(subscriber);
            if (removed != null && direct.isEmpty()) {
                node.direct = null;
            }
            return removed;
        }
        Map<String, SharedGroup> groups = node.shared;
        SharedGroup group = groups == null ? null : groups.get(shareGroup);
        Subscription removed = group == null ? null : group.remove(subscriber);
        if (removed != null && group.members().isEmpty()) {
            groups.remove(shareGroup);
            if (groups.isEmpty()) {
                node.shared = null;
            }
        }
        return removed;
    }

    /**
     * Walks the trie with an explicit stack of (node, next topic level) pairs: '+' children advance
     * one level, '#' children match everything that is left, including the parent level.
     */
    @Override
    public void match(String topic, MatchCollector collector) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(collector, "collector");
        String[] levels = TopicLevels.of(topic); // shared per thread: read only
        boolean dollar = topic.startsWith("$");
        WorkStack work = WorkStack.take();
        try {
            walk(levels, dollar, work, collector);
        } finally {
            work.release();
        }
    }

    private void walk(String[] levels, boolean dollar, WorkStack work, MatchCollector collector) {
        work.push(root, 0);
        while (!work.isEmpty()) {
            Node node = work.popNode();
            int depth = work.poppedDepth();
            Map<String, Node> children = node.children;
            if (depth == levels.length) {
                emit(node, collector);
                Node hash = children == null ? null : children.get("#");
                if (hash != null) {
                    emit(hash, collector);
                }
                continue;
            }
            if (children == null) {
                continue;
            }
            if (depth > 0 || !dollar) {
                Node hash = children.get("#");
                if (hash != null) {
                    emit(hash, collector);
                }
                Node plus = children.get("+");
                if (plus != null) {
                    work.push(plus, depth + 1);
                }
            }
            String level = levels[depth];
            if (!level.equals("+") && !level.equals("#")) { // never true for a valid topic name
                Node exact = children.get(level);
                if (exact != null) {
                    work.push(exact, depth + 1);
                }
            }
        }
    }

    private static void emit(Node node, MatchCollector collector) {
        Map<SubscriberId, Subscription> direct = node.direct;
        if (direct != null) {
            for (Subscription s : direct.values()) {
                collector.direct(s);
            }
        }
        Map<String, SharedGroup> shared = node.shared;
        if (shared != null) {
            for (SharedGroup group : shared.values()) {
                if (!group.members().isEmpty()) {
                    collector.shared(group);
                }
            }
        }
    }

    @Override
    public int size() {
        return size;
    }

    /** Number of trie nodes below the root; returns to 0 once every subscription is removed. */
    public int nodeCount() {
        return nodeCount;
    }

    /** Counts nodes by walking the trie; for tests that check {@link #nodeCount()} and pruning. */
    int walkNodeCount() {
        int count = 0;
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Map<String, Node> children = todo.pop().children;
            if (children != null) {
                for (Node child : children.values()) {
                    count++;
                    todo.push(child);
                }
            }
        }
        return count;
    }

    /**
     * One level of the trie. Maps are created lazily and dropped when they empty, to keep the many
     * leaf nodes small; fields are volatile so lock-free readers see them fully built.
     */
    private static final class Node {
        volatile ConcurrentHashMap<String, Node> children;
        volatile ConcurrentHashMap<SubscriberId, Subscription> direct;
        volatile ConcurrentHashMap<String, SharedGroup> shared;

        Node child(String level) {
            ConcurrentHashMap<String, Node> map = children;
            return map == null ? null : map.get(level);
        }

        Node addChild(String level) {
            ConcurrentHashMap<String, Node> map = children;
            if (map == null) {
                map = new ConcurrentHashMap<>(4);
                children = map;
            }
            Node child = new Node();
            map.put(level, child);
            return child;
        }

        ConcurrentHashMap<SubscriberId, Subscription> directOrCreate() {
            ConcurrentHashMap<SubscriberId, Subscription> map = direct;
            if (map == null) {
                map = new ConcurrentHashMap<>(4);
                direct = map;
            }
            return map;
        }

        ConcurrentHashMap<String, SharedGroup> sharedOrCreate() {
            ConcurrentHashMap<String, SharedGroup> map = shared;
            if (map == null) {
                map = new ConcurrentHashMap<>(2);
                shared = map;
            }
            return map;
        }

        void removeChild(String level, Node child) {
            ConcurrentHashMap<String, Node> map = children;
            map.remove(level, child);
            if (map.isEmpty()) {
                children = null;
            }
        }

        boolean isEmpty() {
            return children == null && direct == null && shared == null;
        }
    }

    /**
     * Growable stack of (node, next level index) pairs, so deep topics never recurse. One per
     * thread is reused across matches (a match per routed PUBLISH: its two arrays were a tenth of
     * the broker's garbage at 20,000 msg/s); a match started while the thread's stack is in use
     * (a collector that routes again) gets a fresh one. Confined to its thread.
     */
    private static final class WorkStack {
        private static final ThreadLocal<WorkStack> MINE = ThreadLocal.withInitial(WorkStack::new);
        private Node[] nodes = new Node[16];
        private int[] depths = new int[16];
        private int top;
        private int popped;
        private boolean busy;

        static WorkStack take() {
            WorkStack w = MINE.get();
            if (w.busy) {
                w = new WorkStack();
            }
            w.busy = true;
            return w;
        }

        /** Empties the stack (a collector may have thrown mid-walk) and frees it for the thread's next match. */
        void release() {
            while (top > 0) {
                nodes[--top] = null;
            }
            busy = false;
        }

        void push(Node node, int depth) {
            if (top == nodes.length) {
                nodes = Arrays.copyOf(nodes, top * 2);
                depths = Arrays.copyOf(depths, top * 2);
            }
            nodes[top] = node;
            depths[top] = depth;
            top++;
        }

        boolean isEmpty() {
            return top == 0;
        }

        Node popNode() {
            top--;
            Node node = nodes[top];
            nodes[top] = null;
            popped = depths[top];
            return node;
        }

        int poppedDepth() {
            return popped;
        }
    }
}
