package io.hookline.broker.cluster;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Publisher;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Publishing on a node of a cluster: the local publisher (retained store, local subscribers),
 * then every other node with a matching subscriber, once per node; the receiving node routes it
 * to its own subscribers (subscription identifiers, no-local and retain-as-published are worked
 * out there). A retained message also goes to the cluster's retained map. {@code $SYS} topics
 * stay on their node, except the node's own {@code $SYS/<node>/} tree. Thread-safe; never blocks.
 */
final class ClusterPublisher implements Publisher {

    private final Publisher local;
    private final ClusterNode node;
    private final BooleanSupplier retainAvailable;
    private final String sysPrefix;

    ClusterPublisher(Publisher local, ClusterNode node, BooleanSupplier retainAvailable) {
        this.local = local;
        this.node = node;
        this.retainAvailable = retainAvailable;
        this.sysPrefix = "$SYS/" + node.settings().nodeName() + "/";
    }

    @Override
    public int publish(
            Message message,
            SharedSubscriptionPolicy sharedPolicy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        int n = local.publish(message, sharedPolicy, congested, batch);
        if (message.topic().startsWith("$SYS") && !message.topic().startsWith(sysPrefix)) {
            return n; // only this node's $SYS/<node>/ tree is cluster-wide
        }
        if (message.retain() && retainAvailable.getAsBoolean()) {
            node.replicateRetained(message);
        }
        return n + node.forward(message, congested, batch);
    }

    @Override
    public CompletionStage<Integer> publishCounted(Message message, StoreBatch batch) {
        int n = local.publish(message, null, null, batch);
        if (message.topic().startsWith("$SYS")) {
            return CompletableFuture.completedFuture(n);
        }
        if (message.retain() && retainAvailable.getAsBoolean()) {
            node.replicateRetained(message);
        }
        return node.counts().forward(message, batch).thenApply(remote -> n + remote);
    }
}
