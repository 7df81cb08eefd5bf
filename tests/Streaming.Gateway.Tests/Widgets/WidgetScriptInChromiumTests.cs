using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Streaming.LocalServers;
using Streaming.Profiles.Contracts;

namespace Streaming.Gateway.Tests.Widgets;

/// <summary>
/// /widgets/just-booked.js on a product page of another origin, in Debian's headless Chromium (apt-get install chromium;
/// ./run test installs it) driven by Playwright, against the gateway on a real loopback port.
/// </summary>
public sealed class WidgetScriptInChromiumTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_widget_renders_the_profiles_lines_updates_live_and_shows_nothing_below_the_minimum()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is missing: apt-get install -y chromium (./run test installs it)");
        var port = LoopbackPorts.Free();
        using var factory = new WidgetGatewayFactory();
        factory.UseKestrel(port);
        factory.StartServer();
        var gateway = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

        var bookedAt = DateTimeOffset.UtcNow.AddSeconds(-150);
        var popular = Profiles.WithBookings("tour-popular", 3, bookedAt, "Busan") with { BookingsLast24h = 5, ViewersNow = 12 };
        var quiet = Profiles.WithBookings("tour-quiet", 1, bookedAt, "Seoul") with { ViewersNow = 1 };
        var single = Profiles.WithBookings("tour-single", 1, bookedAt, city: null) with { ViewersNow = 1 };
        foreach (var profile in new[] { popular, quiet, single })
        {
            factory.Profiles.Set(profile);
        }

        var userData = Directory.CreateTempSubdirectory("chromium-profile-");
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(userData.FullName, new()
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                ],
            });
            var page = await browser.NewPageAsync();
            // The shop's page comes from another origin than the gateway's (so the stream is a cross-origin request) and from a
            // real loopback server: Chromium's local network access rules refuse a page of unknown origin reaching into loopback.
            await using var shop = await ShopAsync($"""
                <!doctype html><html><body>
                <div id="popular"><script src="{gateway}/widgets/just-booked.js" data-product-id="tour-popular" data-min-count="2"></script></div>
                <div id="quiet"><script src="{gateway}/widgets/just-booked.js" data-product-id="tour-quiet" data-min-count="2"></script></div>
                <div id="single"><script src="{gateway}/widgets/just-booked.js" data-product-id="tour-single"></script></div>
                </body></html>
                """);
            var errors = new List<string>();
            page.Console += (_, message) => errors.Add(message.Text);
            page.PageError += (_, error) => errors.Add(error);
            await page.GotoAsync(shop.Urls.First() + "/product");

            Assert.Equal(
                [
                    $"{popular.BookingsLastHour} people booked this in the last hour",
                    "Someone from Busan booked 2 minutes ago",
                    $"{popular.ViewersNow} people are looking now",
                ],
                await LinesAsync(page, "popular", received: 1, errors));
            // Every count of tour-quiet is below its minimum of 2: nothing at all, not even an empty box.
            Assert.Empty(await LinesAsync(page, "quiet", received: 1, errors));
            Assert.True(await page.Locator("#quiet .just-booked-widget").IsHiddenAsync());
            // One of each: singular, and no city when the booking had none.
            Assert.Equal(
                ["1 person booked this in the last hour", "Someone booked 2 minutes ago", "1 person is looking now"],
                await LinesAsync(page, "single", received: 1, errors));

            // A change on the stream re-renders the widget (once the opening event's second has passed).
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            var change = new ProfileChange(popular with { BookingsLastHour = 4, BookingsLast24h = 6, ViewersNow = 1 }, 1, 0, 1, DateTimeOffset.UtcNow, []);
            factory.Hub.Publish(change);
            Assert.Equal(
                [$"{change.Profile.BookingsLastHour} people booked this in the last hour", "Someone from Busan booked 2 minutes ago"],
                await LinesAsync(page, "popular", received: 2, errors));
        }
        finally
        {
            userData.Delete(recursive: true);
        }
    }

    private static async Task<WebApplication> ShopAsync(string html)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://localhost:" + LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture));
        var shop = builder.Build();
        shop.MapGet("/product", () => Results.Content(html, "text/html"));
        await shop.StartAsync();
        return shop;
    }

    /// <summary>The widget's lines once it has received <paramref name="received"/> profiles.</summary>
    private static async Task<IReadOnlyList<string>> LinesAsync(IPage page, string container, int received, List<string> errors)
    {
        try
        {
            await page.WaitForSelectorAsync(
                $"#{container} .just-booked-widget[data-profiles-received='{received}']", new() { State = WaitForSelectorState.Attached, Timeout = 15_000 });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The {container} widget did not receive profile {received}; page said: {string.Join(" | ", errors)}", e);
        }

        return await page.Locator($"#{container} .just-booked-line").AllInnerTextsAsync();
    }
}
