package io.hookline.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * {@code cluster leave node=NAME} asked on another node: runs on NAME, starts its leave on a
 * thread of its own (the leave stops this very member, which must not happen on one of its
 * threads) and answers at once.
 */
final class LeaveTask implements Callable<Boolean>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance hz;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hz = instance;
    }

    @Override
    public Boolean call() {
        ClusterNode n = ClusterNode.of(hz);
        Thread t = new Thread(() -> n.members().leaveHere(), "hookline-cluster-leave");
        t.setDaemon(true);
        t.start();
        return true;
    }
}
