package io.hookline.broker.cluster;

import java.util.List;
import java.util.Map;

/**
 * What {@code cluster show} says about netsplits on one node.
 *
 * @param inNetsplit no quorum: the allow_*_during_netsplit keys apply
 * @param unreachable known nodes not reachable now, with the instant contact was lost
 * @param since when the quorum was lost, null while it is held
 * @param refusing what clients are refused now (CONNECT, PUBLISH, SUBSCRIBE), empty when nothing
 */
public record NetsplitView(
        boolean inNetsplit,
        String quorum,
        List<String> known,
        List<String> reachable,
        Map<String, String> unreachable,
        String since,
        List<String> refusing) {

    /** One sentence for people. */
    public String text() {
        if (unreachable.isEmpty()) {
            return "no netsplit: all " + known.size() + " known nodes reachable";
        }
        String who = String.join(", ", unreachable.keySet());
        if (!inNetsplit) {
            return "netsplit or crash: " + who + " unreachable; " + reachable.size() + " of " + known.size()
                    + " known nodes reachable, quorum (" + quorum + ") held: serving as the cluster";
        }
        return "NETSPLIT since " + since + ": cut off from " + who + "; " + reachable.size() + " of "
                + known.size() + " known nodes reachable, no quorum (" + quorum + "): "
                + (refusing.isEmpty() ? "serving as an island" : "refusing " + String.join(", ", refusing));
    }
}
