package io.hookline.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * {@code cluster leave node=NAME [--migrate_sessions]} asked on another node: runs on NAME. With
 * the flag it first moves NAME's sessions away ({@link MemberOps#migrateAway}, on this executor
 * thread: the asking node waits for it; a {@link MemberOps.Refused} travels back to it and
 * nothing more happens). Then it starts the leave on a thread of its own (the leave stops this
 * very member, which must not happen on one of its threads) and answers at once with what moved
 * (empty without the flag).
 */
final class LeaveTask implements Callable<String>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 3L;

    private final boolean migrateSessions;
    private final long migrateSeconds;
    private transient HazelcastInstance hz;

    LeaveTask(boolean migrateSessions, long migrateSeconds) {
        this.migrateSessions = migrateSessions;
        this.migrateSeconds = migrateSeconds;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hz = instance;
    }

    @Override
    public String call() throws InterruptedException {
        ClusterNode n = ClusterNode.of(hz);
        String moved = migrateSessions ? n.members().migrateAway(migrateSeconds) : "";
        Thread t = new Thread(() -> n.members().leaveHere(), "hookline-cluster-leave");
        t.setDaemon(true);
        t.start();
        return moved;
    }
}
