package io.hookline.api.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routes a topic to the handler of the first {@link TopicPattern} that matches it (in the order
 * they were added) and hands over what the pattern captured.
 *
 * <pre>{@code
 * TopicRouter<BiFunction<PublishInput, TopicRouter.Match<?>, Answer>> routes = TopicRouter.create();
 * routes.add("devices/:id/telemetry", (in, m) -> m.param("id").equals(in.client().clientId())
 *         ? Answer.ok() : Answer.error("publish as yourself"));
 * routes.add("files/*path", (in, m) -> Answer.ok());
 * ctx.register(Hooks.AUTH_ON_PUBLISH, in -> routes.match(in.topic())
 *         .map(m -> m.handler().apply(in, m)).orElse(Answer.next()));
 * }</pre>
 *
 * <p>Build it before handlers run ({@link #add} is not meant to race with {@link #match}); once
 * built it is safe to match from any thread.
 *
 * @param <H> what a route leads to: a function, a name, anything
 */
public final class TopicRouter<H> {

    /** A topic's route: the pattern, its handler and the captured parameters. */
    public record Match<H>(TopicPattern pattern, H handler, Map<String, String> params) {
        /** @throws IllegalArgumentException when the pattern has no such parameter */
        public String param(String name) {
            String v = params.get(name);
            if (v == null) {
                throw new IllegalArgumentException("pattern '" + pattern + "' has no parameter '" + name + "'");
            }
            return v;
        }
    }

    private record Route<H>(TopicPattern pattern, H handler) {}

    private final List<Route<H>> routes = new ArrayList<>();

    private TopicRouter() {}

    public static <H> TopicRouter<H> create() {
        return new TopicRouter<>();
    }

    /**
     * Adds a route after the ones already there.
     *
     * @throws IllegalArgumentException for a bad pattern (see {@link TopicPattern#compile})
     */
    public TopicRouter<H> add(String pattern, H handler) {
        routes.add(new Route<>(TopicPattern.compile(pattern), handler));
        return this;
    }

    /** @return the first route whose pattern matches {@code topic}, or empty */
    public Optional<Match<H>> match(String topic) {
        for (Route<H> r : routes) {
            Optional<Map<String, String>> params = r.pattern().match(topic);
            if (params.isPresent()) {
                return Optional.of(new Match<>(r.pattern(), r.handler(), params.get()));
            }
        }
        return Optional.empty();
    }

    /** The patterns, in matching order. */
    public List<TopicPattern> patterns() {
        return routes.stream().map(Route::pattern).toList();
    }
}
