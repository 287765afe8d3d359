package io.hookline.plugin.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * An endpoint's calls as OkHttp async calls: https and h2c endpoints always, http:// ones with
 * {@code webhooks.http_client = okhttp}. OkHttp runs each call in flight
 * on a dispatcher thread blocking on its socket. Thread-safe (OkHttp's client is).
 */
final class OkHttpTransport implements Transport {
    private static final MediaType JSON = MediaType.get("application/json");

    private final OkHttpClient client;
    private final HttpUrl url; // parsed once, not per request

    OkHttpTransport(OkHttpClient client, String url) {
        this.client = client;
        this.url = HttpUrl.get(url);
    }

    @Override
    public Exchange open(Post post, long timeoutNanos) {
        Request.Builder rb = new Request.Builder().url(url).post(RequestBody.create(post.body(), JSON));
        List<String> h = post.headers();
        for (int i = 0; i < h.size(); i += 2) {
            rb.header(h.get(i), h.get(i + 1));
        }
        Call call = client.newCall(rb.build());
        call.timeout().timeout(timeoutNanos, TimeUnit.NANOSECONDS);
        return new Exchange() {
            @Override
            public void start(Callback callback) {
                call.enqueue(new okhttp3.Callback() {
                    @Override
                    public void onFailure(Call c, IOException e) {
                        boolean timeout = e instanceof InterruptedIOException;
                        callback.failed(new Endpoint.CallFailure(timeout ? "timed out" : "unreachable: " + e, timeout));
                    }

                    @Override
                    public void onResponse(Call c, Response response) {
                        Endpoint.Reply reply;
                        try (response) {
                            ResponseBody body = response.body();
                            byte[] bytes = body == null ? new byte[0] : readCapped(body);
                            reply = new Endpoint.Reply(
                                    response.code(),
                                    response.header("cache-control"),
                                    response.header(AuthCache.CACHE_ERRORS_HEADER),
                                    bytes);
                        } catch (IOException e) {
                            boolean timeout = e instanceof InterruptedIOException;
                            callback.failed(new Endpoint.CallFailure(
                                    timeout ? "timed out reading the response" : "reading the response failed: " + e,
                                    timeout));
                            return;
                        }
                        callback.replied(reply);
                    }
                });
            }

            @Override
            public void cancel() {
                // OkHttp fails the call (at once, or before sending when not yet under way)
                call.cancel();
            }
        };
    }

    private static byte[] readCapped(ResponseBody body) throws IOException {
        try (InputStream in = body.byteStream()) {
            byte[] bytes = in.readNBytes(Endpoint.MAX_BODY + 1);
            if (bytes.length > Endpoint.MAX_BODY) {
                throw new IOException("response body over " + Endpoint.MAX_BODY + " bytes");
            }
            return bytes;
        }
    }
}
