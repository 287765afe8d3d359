package io.hookline.broker.cluster;

import io.hookline.broker.config.ClusterConfig;
import io.hookline.broker.config.Config;
import java.time.Duration;

/**
 * What a node does about netsplits (docs/cluster.md, "Netsplits"): the quorum it needs to serve
 * as the cluster, how often split halves look for each other, and what it still accepts while
 * it is in a netsplit.
 *
 * @param quorum {@link ClusterConfig#QUORUM_MAJORITY}, {@link ClusterConfig#QUORUM_ALL} or a node count
 */
public record NetsplitSettings(
        int quorum, Duration healCheck, boolean allowRegister, boolean allowPublish, boolean allowSubscribe) {

    static NetsplitSettings from(Config config) {
        return new NetsplitSettings(
                config.get(ClusterConfig.NETSPLIT_QUORUM),
                config.get(ClusterConfig.NETSPLIT_HEAL_CHECK),
                config.get(ClusterConfig.ALLOW_REGISTER_DURING_NETSPLIT),
                config.get(ClusterConfig.ALLOW_PUBLISH_DURING_NETSPLIT),
                config.get(ClusterConfig.ALLOW_SUBSCRIBE_DURING_NETSPLIT));
    }

    /** The quorum as written in the config: majority, all or the count. */
    String quorumText() {
        return quorum == ClusterConfig.QUORUM_MAJORITY
                ? "majority"
                : quorum == ClusterConfig.QUORUM_ALL ? "all" : String.valueOf(quorum);
    }
}
