package io.hookline.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What a node that merged after a netsplit asks of the other side ({@link HealReconciler}):
 * right after a merge its own copies of the replicated maps may still be filling, so it asks the
 * members that never left instead of reading them.
 */
final class HealTasks {

    private HealTasks() {}

    /** The topic filters the member has subscribers for (its routes). */
    static final class Routes implements Callable<ArrayList<String>>, Serializable, HazelcastInstanceAware {
        @Serial
        private static final long serialVersionUID = 1L;

        private transient HazelcastInstance hz;

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.hz = instance;
        }

        @Override
        public ArrayList<String> call() {
            return new ArrayList<>(ClusterNode.of(hz).routes().ownFilters());
        }
    }

    /**
     * The merged side's retained values ({@code before}, topic → value) against the member's
     * whole map: the newer write of each topic wins ({@link RetainedSync#mergeFrom}).
     */
    static final class Retained implements Callable<Merged>, Serializable, HazelcastInstanceAware {
        @Serial
        private static final long serialVersionUID = 1L;

        private final HashMap<String, byte[]> before;
        private transient HazelcastInstance hz;

        Retained(HashMap<String, byte[]> before) {
            this.before = before;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.hz = instance;
        }

        @Override
        public Merged call() {
            RetainedSync sync = ClusterNode.of(hz).retainedSync();
            if (sync == null) {
                throw new IllegalStateException("member " + hz.getName() + " has not started its retained map");
            }
            return sync.mergeFrom(before);
        }
    }

    /**
     * What a retained merge did.
     *
     * @param differed topics whose values differed between the sides
     * @param keptFromMerged of those, the merged side's (newer) value kept
     * @param restored topics only the merged side had, put back
     * @param toApply the values the merged side lacks or lost to a newer write: to copy into its store
     */
    record Merged(int differed, int keptFromMerged, int restored, List<byte[]> toApply) implements Serializable {}
}
