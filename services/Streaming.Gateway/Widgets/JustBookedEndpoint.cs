using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Streaming.Events;

namespace Streaming.Gateway.Widgets;

/// <summary>GET /v1/just-booked and /v1/just-booked/stream: the newest confirmed bookings of the last 24 h.</summary>
public static class JustBookedEndpoint
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static IResult Handle(
        [FromQuery] string? city, [FromQuery] string? category, [FromQuery] string? limit, JustBookedFeed feed)
    {
        if (Parse(city, category, limit, out var filter, out var take) is { } invalid)
        {
            return invalid;
        }

        var items = feed.Newest(filter, take).Select(JustBookedItem.From).ToList();
        return Results.Json(new JustBookedResponse(items), WidgetJsonContext.Default.JustBookedResponse);
    }

    /// <summary>
    /// Events <c>booking</c>: first the newest <c>limit</c> matching bookings (oldest of them first; after Last-Event-ID,
    /// only those booked after it), then each new one as it arrives; a comment line every keep-alive interval. Ends after
    /// <see cref="WidgetOptions.MaxStreamLifetime"/>; the client reconnects with Last-Event-ID.
    /// </summary>
    public static async Task<IResult> StreamAsync(
        [FromQuery] string? city, [FromQuery] string? category, [FromQuery] string? limit, HttpContext http, JustBookedFeed feed,
        SubscriberSlots slots, IOptions<WidgetOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Parse(city, category, limit, out var filter, out var take) is { } invalid)
        {
            return invalid;
        }

        using var slot = slots.TryTake(http.Connection.RemoteIpAddress, out var refusal);
        if (slot is null)
        {
            return WidgetResults.NoSlot(http, slots, refusal);
        }

        using var lifetime = new StreamLifetime(options.Value.MaxStreamLifetime, time, cancellationToken);
        cancellationToken = lifetime.Token;

        using var subscription = feed.Subscribe(filter);
        using var keepAlive = new PeriodicTimer(options.Value.KeepAliveInterval, time);
        // At most limit ids: the first page, which may overlap the subscription by what arrived in between.
        var sent = new HashSet<string>(StringComparer.Ordinal);
        // The id of each event: the newest booked_at sent so far (Unix ms). A reconnect with it as Last-Event-ID starts
        // with the bookings booked after it instead of the newest page again.
        var cursor = ServerSentEvents.LastEventId(http.Request) ?? long.MinValue;
        try
        {
            await ServerSentEvents.StartAsync(http.Response, cancellationToken);
            foreach (var booking in feed.Newest(filter, take).Reverse())
            {
                sent.Add(booking.EventId);
                if (booking.BookedAt.ToUnixTimeMilliseconds() > cursor)
                {
                    cursor = booking.BookedAt.ToUnixTimeMilliseconds();
                    await WriteAsync(http.Response, JustBookedItem.From(booking), cursor, cancellationToken);
                }
            }

            Task<bool>? tick = null;
            Task<bool>? arrived = null;
            while (!cancellationToken.IsCancellationRequested)
            {
                tick ??= keepAlive.WaitForNextTickAsync(cancellationToken).AsTask();
                arrived ??= subscription.Bookings.WaitToReadAsync(cancellationToken).AsTask();
                if (await Task.WhenAny(tick, arrived) == tick)
                {
                    if (!await tick)
                    {
                        break;
                    }

                    tick = null;
                    await ServerSentEvents.WriteKeepAliveAsync(http.Response, cancellationToken);
                    continue;
                }

                if (!await arrived)
                {
                    break;
                }

                arrived = null;
                while (subscription.Bookings.TryRead(out var booking))
                {
                    // The first page and the subscription overlap by the bookings that arrived in between.
                    if (!sent.Contains(booking.EventId))
                    {
                        cursor = Math.Max(cursor, booking.BookedAt.ToUnixTimeMilliseconds());
                        await WriteAsync(http.Response, JustBookedItem.From(booking), cursor, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away, or the stream reached its lifetime (the client reconnects).
        }

        return Results.Empty;
    }

    private static Task WriteAsync(HttpResponse response, JustBookedItem item, long id, CancellationToken cancellationToken) =>
        ServerSentEvents.WriteEventAsync(response, "booking", id, JsonSerializer.SerializeToUtf8Bytes(item, WidgetJsonContext.Default.JustBookedItem), cancellationToken);

    private static IResult? Parse(string? city, string? category, string? limit, out JustBookedFilter filter, out int take)
    {
        filter = new JustBookedFilter(Blank(city), Blank(category));
        take = DefaultLimit;
        if (city?.Length > EventLimits.MaxTextLength)
        {
            return WidgetResults.Invalid("city", $"A city is at most {EventLimits.MaxTextLength} characters.");
        }

        if (category?.Length > EventLimits.MaxTextLength)
        {
            return WidgetResults.Invalid("category", $"A category is at most {EventLimits.MaxTextLength} characters.");
        }

        // Blank (as in "?city=&category=&limit=") is the default, as a blank city or category is any.
        if (!string.IsNullOrWhiteSpace(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            take = DefaultLimit;
            return WidgetResults.Invalid("limit", $"limit is a whole number from 1 to {MaxLimit} (default {DefaultLimit}).");
        }

        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
