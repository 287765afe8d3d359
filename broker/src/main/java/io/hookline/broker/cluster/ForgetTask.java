package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code cluster leave node=NAME} for a node that is known but unreachable (dead for good): every
 * member forgets it ({@link Netsplit#forget}), so it no longer counts against the quorum. Runs on
 * each receiving member; answers whether that member knew the node (and forgot it).
 */
final class ForgetTask implements Callable<Boolean>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String node;
    private transient HazelcastInstance hz;

    ForgetTask(String node) {
        this.node = node;
    }

    /**
     * What the members answered.
     *
     * @param forgot the members that knew the node and forgot it
     * @param silent the members that did not answer in time (or failed)
     */
    record Outcome(List<String> forgot, List<String> silent) {}

    /** Asks every member (this one included) to forget {@code node}; waits up to {@code timeoutMillis}. */
    static Outcome everywhere(HazelcastInstance h, String node, long timeoutMillis) throws InterruptedException {
        Map<Member, Future<Boolean>> answers =
                h.getExecutorService(ClusterNode.ADMIN_EXECUTOR).submitToAllMembers(new ForgetTask(node));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<String> forgot = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (Map.Entry<Member, Future<Boolean>> e : answers.entrySet()) {
            String name = e.getKey().getAttribute(ClusterNode.NODE_ATTRIBUTE);
            try {
                if (e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    forgot.add(name);
                }
            } catch (ExecutionException | TimeoutException ex) {
                silent.add(name);
            }
        }
        forgot.sort(null);
        silent.sort(null);
        return new Outcome(forgot, silent);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hz = instance;
    }

    @Override
    public Boolean call() {
        return ClusterNode.of(hz).forgetNode(node);
    }
}
