package io.hookline.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

/** Asks a member for its {@link NodeStatus} ({@code cluster show}); runs on that member. */
final class StatusTask implements Callable<NodeStatus>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance hz;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hz = instance;
    }

    @Override
    public NodeStatus call() {
        return ClusterNode.of(hz).localStatus();
    }
}
