namespace Streaming.DevHost.Simulation;

public sealed record Product(string Id, string Category, string City, string Currency, long PriceMinor);

public sealed record SimulatedUser(string Id, string Platform, string Country, string City);

/// <summary>A deterministic travel catalog and user base: a few hundred products in several cities, thousands of users.</summary>
public sealed class Catalog
{
    private static readonly (string City, string Country, string Currency, long UnitMinor)[] Cities =
    [
        ("Seoul", "KR", "KRW", 1000), ("Busan", "KR", "KRW", 1000), ("Jeju", "KR", "KRW", 1000),
        ("Tokyo", "JP", "JPY", 100), ("Osaka", "JP", "JPY", 100), ("Bangkok", "TH", "THB", 100),
        ("Paris", "FR", "EUR", 100), ("New York", "US", "USD", 100),
    ];

    private static readonly string[] Categories = ["tour", "stay", "flight"];
    private static readonly string[] PlatformsByShare = ["ios", "ios", "ios", "android", "android", "android", "android", "web", "web", "web"];

    public Catalog(int seed, int products = 300, int users = 5000)
    {
        var random = new Random(seed);
        Products = [.. Enumerable.Range(0, products).Select(i =>
        {
            var city = Cities[i % Cities.Length];
            var category = Categories[random.Next(Categories.Length)];
            var basePrice = category switch { "flight" => 250, "stay" => 120, _ => 40 };
            var price = (long)(basePrice * (0.5 + random.NextDouble() * 2)) * city.UnitMinor;
            var slug = city.City.ToLowerInvariant().Replace(' ', '-');
            return new Product($"{category}-{slug}-{i:D3}", category, city.City, city.Currency, price);
        })];
        Users = [.. Enumerable.Range(0, users).Select(i =>
        {
            var home = Cities[random.Next(Cities.Length)];
            return new SimulatedUser($"u{i:D5}", PlatformsByShare[random.Next(PlatformsByShare.Length)], home.Country, home.City);
        })];
    }

    public IReadOnlyList<Product> Products { get; }

    public IReadOnlyList<SimulatedUser> Users { get; }
}
