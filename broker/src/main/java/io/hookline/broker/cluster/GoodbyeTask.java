package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that is about to leave on purpose tells each other member so ({@link Netsplit#goodbye}):
 * its departure is then a leave, not a netsplit. Runs on the receiving member.
 */
final class GoodbyeTask implements Callable<Boolean>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final Logger log = LoggerFactory.getLogger(GoodbyeTask.class);

    private final String node;
    private transient HazelcastInstance hz;

    GoodbyeTask(String node) {
        this.node = node;
    }

    /** Tells every other member that {@code node} (this one) leaves on purpose; waits up to 2 s for them. */
    static void tellOthers(HazelcastInstance h, String node) {
        try {
            Set<Member> others = new HashSet<>(h.getCluster().getMembers());
            others.remove(h.getCluster().getLocalMember());
            if (others.isEmpty()) {
                return;
            }
            Map<Member, Future<Boolean>> answers =
                    h.getExecutorService(ClusterNode.ADMIN_EXECUTOR).submitToMembers(new GoodbyeTask(node), others);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            for (Future<Boolean> f : answers.values()) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn(
                    "cluster: not every node heard that this one leaves (they may count it as a netsplit): {}",
                    e.toString());
        }
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hz = instance;
    }

    @Override
    public Boolean call() {
        ClusterNode.of(hz).netsplit().goodbye(node);
        return true;
    }
}
