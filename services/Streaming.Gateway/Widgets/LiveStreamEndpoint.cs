using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// GET /v1/products/{product_id}/live/stream: Server-Sent Events, each an event <c>profile</c> whose data is the whole
/// profile and whose id is its version. First the current profile from the grain (id = the newest version this gateway
/// has seen), then every newer change, at most one per <see cref="WidgetOptions.MinEventInterval"/> (the newest).
/// With Last-Event-ID the stream starts with the kept changes after that version instead, so nothing is sent twice;
/// an id that is not a version, or beyond the newest version seen of the product, is ignored. A stream ends after
/// <see cref="WidgetOptions.MaxStreamLifetime"/>; the client's reconnect with Last-Event-ID resumes it.
/// </summary>
public static class LiveStreamEndpoint
{
    public static async Task<IResult> HandleAsync(
        [FromRoute(Name = "product_id")] string productId, HttpContext http, IProductProfileReader profiles, ProfileChangesHub hub,
        SubscriberSlots slots, IOptions<WidgetOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        productId = WidgetResults.ProductIdOf(http, productId);
        if (WidgetResults.InvalidProductId(productId) is { } invalid)
        {
            return invalid;
        }

        using var slot = slots.TryTake(http.Connection.RemoteIpAddress, out var refusal);
        if (slot is null)
        {
            return WidgetResults.NoSlot(http, slots, refusal);
        }

        var lastEventId = ServerSentEvents.LastEventId(http.Request);
        using var subscription = hub.Subscribe(productId, lastEventId, out var missed, out var newestVersion);
        if (lastEventId > (newestVersion ?? -1))
        {
            // Beyond anything seen of this product (another product's id, or one this instance has not read yet): resuming
            // from it would hold back every change below it, so the stream starts afresh with the current profile.
            lastEventId = null;
        }

        // Created before the first write, so that a test's clock sees it (and a proxy's idle timer starts with the stream).
        using var keepAlive = new PeriodicTimer(options.Value.KeepAliveInterval, time);

        var first = new List<(ProductProfile Profile, long? Version)>();
        if (lastEventId is null)
        {
            try
            {
                first.Add((await profiles.ReadAsync(productId, cancellationToken), newestVersion));
            }
            catch (ProfilesUnavailableException e)
            {
                // Without the grain, the newest change seen here is the best current profile there is.
                if (hub.Newest(productId) is not { } newest)
                {
                    return WidgetResults.Unavailable(http, e.Message);
                }

                first.Add((newest.Profile, newest.Version));
            }
        }
        else
        {
            first.AddRange(missed.Select(c => (c.Profile, (long?)c.Version)));
        }

        using var lifetime = new StreamLifetime(options.Value.MaxStreamLifetime, time, cancellationToken);
        cancellationToken = lifetime.Token;
        await ServerSentEvents.StartAsync(http.Response, cancellationToken);
        long sentVersion = lastEventId ?? newestVersion ?? -1;
        long? lastSentAt = null;
        try
        {
            foreach (var (profile, version) in first)
            {
                await WriteAsync(http.Response, profile, version, cancellationToken);
                sentVersion = Math.Max(sentVersion, version ?? -1);
                // The opening events count too: the first live change follows them after the interval, not at once.
                lastSentAt = time.GetTimestamp();
            }

            await StreamChangesAsync(
                http.Response, subscription, keepAlive, sentVersion, lastSentAt, options.Value.MinEventInterval, time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away, or the stream reached its lifetime (the client reconnects with Last-Event-ID).
        }

        return Results.Empty;
    }

    private static async Task StreamChangesAsync(
        HttpResponse response, ProfileSubscription subscription, PeriodicTimer keepAlive, long sentVersion, long? lastSentAt,
        TimeSpan minInterval, TimeProvider time, CancellationToken cancellationToken)
    {
        Task<bool>? tick = null;
        Task<bool>? changed = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            tick ??= keepAlive.WaitForNextTickAsync(cancellationToken).AsTask();
            changed ??= subscription.Changes.WaitToReadAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(tick, changed) == tick)
            {
                if (!await tick)
                {
                    return;
                }

                tick = null;
                await ServerSentEvents.WriteKeepAliveAsync(response, cancellationToken);
                continue;
            }

            if (!await changed)
            {
                return;
            }

            changed = null;
            var wait = lastSentAt is { } at ? minInterval - time.GetElapsedTime(at) : TimeSpan.Zero;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            // Only the newest waits in the subscription; whatever arrived during the wait replaced the older one.
            if (subscription.Changes.TryRead(out var change) && change.Version > sentVersion)
            {
                await WriteAsync(response, change.Profile, change.Version, cancellationToken);
                sentVersion = change.Version;
                lastSentAt = time.GetTimestamp();
            }
        }
    }

    private static Task WriteAsync(HttpResponse response, ProductProfile profile, long? version, CancellationToken cancellationToken) =>
        ServerSentEvents.WriteEventAsync(
            response, "profile", version, JsonSerializer.SerializeToUtf8Bytes(profile, ProfilesJsonContext.Default.ProductProfile), cancellationToken);
}
