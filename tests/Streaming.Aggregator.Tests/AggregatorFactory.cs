using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Streaming.Aggregator.Tests;

/// <summary>The aggregator in process with the given settings (configuration keys, e.g. "Aggregator:WindowSize").</summary>
public sealed class AggregatorFactory(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Each task logs its start; the test output needs only warnings.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
