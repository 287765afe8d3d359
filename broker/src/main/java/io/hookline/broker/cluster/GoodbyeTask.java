package io.hookline.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A node that is about to leave on purpose tells each other member so ({@link Netsplit#goodbye}):
 * its departure is then a leave, not a netsplit. Runs on the receiving member.
 */
final class GoodbyeTask implements Callable<Boolean>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String node;
    private transient HazelcastInstance hz;

    GoodbyeTask(String node) {
        this.node = node;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hz = instance;
    }

    @Override
    public Boolean call() {
        Object n = hz.getUserContext().get(ClusterNode.CONTEXT_KEY);
        if (!(n instanceof ClusterNode cluster)) {
            throw new IllegalStateException("member " + hz.getName() + " is not a Hookline node");
        }
        cluster.netsplit().goodbye(node);
        return true;
    }
}
