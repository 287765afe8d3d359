package io.hookline.bench.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * Who publishes where, who subscribes to what, and which delivery stream (one receive-side
 * tracker) each subscriber feeds. A stream expects every message of its publishers exactly once.
 * Immutable.
 */
record Topology(List<Pub> publishers, List<Sub> subscribers, List<List<Integer>> streamPublishers) {

    record Pub(int id, String clientId, String topic) {}

    record Sub(String clientId, String filter, int stream) {}

    /** Builds the topology of a messaging scenario; {@code run} keeps topics and client ids unique. */
    static Topology of(ScenarioParams p, String run) {
        List<Pub> pubs = new ArrayList<>();
        List<Sub> subs = new ArrayList<>();
        List<List<Integer>> streams = new ArrayList<>();
        String base = "bench/" + run;
        switch (p.scenario()) {
            case POINT_TO_POINT, PUBLISH_WITH_HOOKS -> {
                for (int i = 0; i < p.publishers(); i++) {
                    String topic = base + "/p2p/" + i;
                    pubs.add(new Pub(i, run + "-pub-" + i, topic));
                    subs.add(new Sub(run + "-sub-" + i, topic, i));
                    streams.add(List.of(i));
                }
            }
            case FAN_OUT -> {
                String topic = base + "/fan-out";
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < p.publishers(); i++) {
                    pubs.add(new Pub(i, run + "-pub-" + i, topic));
                    ids.add(i);
                }
                for (int s = 0; s < p.subscribers(); s++) {
                    subs.add(new Sub(run + "-sub-" + s, topic, s));
                    streams.add(List.copyOf(ids));
                }
            }
            case SHARED_FAN_IN -> {
                String topic = base + "/fan-in";
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < p.publishers(); i++) {
                    pubs.add(new Pub(i, run + "-pub-" + i, topic));
                    ids.add(i);
                }
                for (int s = 0; s < p.subscribers(); s++) {
                    subs.add(new Sub(run + "-sub-" + s, "$share/bench/" + topic, 0));
                }
                streams.add(List.copyOf(ids));
            }
            default -> throw new IllegalArgumentException(p.scenario() + " is not a messaging scenario");
        }
        return new Topology(List.copyOf(pubs), List.copyOf(subs), List.copyOf(streams));
    }
}
