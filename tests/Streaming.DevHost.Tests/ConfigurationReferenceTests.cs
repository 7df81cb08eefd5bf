using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Streaming.ClickHouse.Tests;
using System.Runtime.Loader;

namespace Streaming.DevHost.Tests;

/// <summary>
/// docs/operations.md's configuration table against the code: every key an options class binds is in the table, and
/// every key in the table is bound. The registrations are read from the services' and libraries' source
/// (AddValidatedOptions, BindConfiguration, AddGrainFeedOptions, a section bound into a property), so a new options
/// class or section is checked without touching this test. The options types are found by name in each service's build
/// output (the dev host builds every service; it runs them as processes, so they are loaded here for reflection only).
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    /// <summary>Keys the code binds that the table leaves out on purpose.</summary>
    private static readonly Dictionary<string, string> NotInTable = new()
    {
    };

    /// <summary>Keys the table names that no options class binds.</summary>
    private static readonly Dictionary<string, string> NotBound = new()
    {
        ["ProductEvents__MaxFailures"] = "named as replaced by Kafka__PoisonAfterFailures: setting it fails the start",
        ["PushFeeds__MaxFailures"] = "named as replaced by Kafka__PoisonAfterFailures: setting it fails the start",
    };

    [Fact]
    public void Every_bound_key_is_in_the_table()
    {
        var missing = BoundKeys().Except(TableKeys()).Except(NotInTable.Keys).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Bound but not in docs/operations.md's configuration table: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_key_in_the_table_is_bound()
    {
        var unknown = TableKeys().Except(BoundKeys()).Except(NotBound.Keys).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, "In docs/operations.md's configuration table but bound by nothing: " + string.Join(", ", unknown));
    }

    [Fact]
    public void The_exceptions_are_still_exceptions()
    {
        var bound = BoundKeys();
        var table = TableKeys();
        Assert.All(NotInTable.Keys, k => Assert.True(bound.Contains(k) && !table.Contains(k), k));
        Assert.All(NotBound.Keys, k => Assert.True(table.Contains(k) && !bound.Contains(k), k));
    }

    [Fact]
    public void The_readers_find_the_keys_they_are_meant_to()
    {
        var bound = BoundKeys();
        Assert.Contains("Kafka__BootstrapServers", bound);
        Assert.Contains("ProductEvents__FlushInterval", bound);
        Assert.Contains("PushFeeds__GrainCallTimeout", bound);
        Assert.Contains("PushTrigger__Rules__Threshold", bound);
        Assert.Contains("Clients__<name>__Quota__EventsBurst", bound);
        Assert.Contains("Orleans__Kubernetes", bound);
        var table = TableKeys();
        Assert.Contains("Kafka__TopicPrefix", table);
        Assert.Contains("Clients__<name>__Quota__RequestsBurst", table);
        Assert.Contains("Profiles__TrendFallingRatio", table);
    }

    /// <summary>The keys in the first column of the table under "## Configuration"; <c>`__X`</c> continues the key before it.</summary>
    private static HashSet<string> TableKeys()
    {
        var page = File.ReadAllText(RepositoryFolder.Path("docs", "operations.md"));
        var start = page.IndexOf("\n## Configuration\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/operations.md has no '## Configuration' section");
        var end = page.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in page[start..(end < 0 ? page.Length : end)].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var firstCell = row.Split(" | ")[0];
            var previous = "";
            foreach (Match token in Token().Matches(firstCell))
            {
                var text = Normalize(token.Groups[1].Value);
                if (FullKey().IsMatch(text))
                {
                    keys.Add(text);
                    // A key named in parentheses is an aside: the list goes on from the key before it.
                    var before = firstCell[..token.Index];
                    if (before.Count(c => c == '(') == before.Count(c => c == ')'))
                    {
                        previous = text;
                    }
                }
                else if (ShortKey().IsMatch(text) && previous.Length > 0)
                {
                    keys.Add(previous[..previous.LastIndexOf("__", StringComparison.Ordinal)] + text);
                }
            }
        }

        return keys;
    }

    /// <summary>Every key the code binds: each registration's section and its options type's settable properties.</summary>
    private static HashSet<string> BoundKeys()
    {
        var types = ServiceTypes();
        Type TypeNamed(string name) => types.TryGetValue(name, out var named) ? Assert.Single(named) : throw new InvalidOperationException($"No type {name} in the services' build output.");
        string SectionOf(string owner) => (string)TypeNamed(owner).GetField("Section")!.GetRawConstantValue()!;

        var kubernetesSwitch = (string)TypeNamed("FeedSilo").GetField("KubernetesSwitch")!.GetRawConstantValue()!;
        var keys = new HashSet<string>(StringComparer.Ordinal) { kubernetesSwitch.Replace(":", "__", StringComparison.Ordinal) };
        foreach (var file in new[] { "services", "shared" }.SelectMany(f => Directory.EnumerateFiles(RepositoryFolder.Path(f), "*.cs", SearchOption.AllDirectories))
                     .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
        {
            var source = File.ReadAllText(file);
            foreach (Match m in ValidatedOptions().Matches(source))
            {
                AddKeys(keys, SectionOf(m.Groups["owner"].Value), TypeNamed(m.Groups["type"].Value));
            }

            foreach (Match m in GrainFeedOptionsCall().Matches(source))
            {
                AddKeys(keys, SectionOf(m.Groups["owner"].Value), TypeNamed("GrainFeedOptions"));
            }

            foreach (Match m in SectionBoundIntoProperty().Matches(source))
            {
                var property = TypeNamed(m.Groups["owner"].Value).GetProperty(m.Groups["property"].Value)!;
                AddKeys(keys, SectionOf(m.Groups["owner"].Value), property.PropertyType, isCollection: true);
            }
        }

        return keys;
    }

    /// <summary>The public types of every service and the Streaming libraries it uses, by name (one type per full name).</summary>
    private static Dictionary<string, List<Type>> ServiceTypes()
    {
        var configuration = Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var service in Directory.GetDirectories(RepositoryFolder.Path("services")).Select(Path.GetFileName))
        {
            var folder = RepositoryFolder.Path("artifacts", "bin", service!, configuration);
            Assert.True(File.Exists(Path.Combine(folder, service + ".dll")), $"{service} is not built in {folder}");
            var context = new ServiceLoadContext(Path.Combine(folder, service + ".dll"));
            foreach (var file in Directory.EnumerateFiles(folder, "Streaming.*.dll"))
            {
                foreach (var type in context.LoadFromAssemblyPath(file).GetExportedTypes())
                {
                    types.TryAdd(type.FullName!, type);
                }
            }
        }

        return types.Values.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.ToList());
    }

    private static void AddKeys(HashSet<string> keys, string prefix, Type type, bool isCollection = false)
    {
        if (isCollection)
        {
            AddElementKeys(keys, prefix, type);
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetMethod is { IsPublic: true }))
        {
            var key = prefix + "__" + property.Name;
            var propertyType = property.PropertyType;
            if (IsLeaf(propertyType))
            {
                if (property.SetMethod is { IsPublic: true })
                {
                    keys.Add(key);
                }
            }
            else if (typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                AddElementKeys(keys, key, propertyType);
            }
            else
            {
                AddKeys(keys, key, propertyType);
            }
        }
    }

    /// <summary>A list binds its elements by index and a dictionary by name; the table writes both as one key (<c>__0…</c>, <c>__N</c>, <c>__&lt;name&gt;</c>).</summary>
    private static void AddElementKeys(HashSet<string> keys, string key, Type collection)
    {
        var arguments = collection.IsArray ? [collection.GetElementType()!] : collection.GetGenericArguments();
        var element = arguments[^1];
        var isDictionary = arguments.Length == 2;
        if (IsLeaf(element))
        {
            keys.Add(key);
        }
        else
        {
            AddKeys(keys, isDictionary ? key + "__<name>" : key, element);
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(TimeOnly)
        || type == typeof(Uri) || (Nullable.GetUnderlyingType(type) is { } inner && IsLeaf(inner));

    /// <summary>Drops the element markers the table writes for lists (<c>__0…</c>, <c>__N</c>).</summary>
    private static string Normalize(string key) => ElementMarker().Replace(key, "");

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Token();

    [GeneratedRegex(@"^[A-Z][A-Za-z]*(__(<name>|[A-Za-z0-9]+|0…|N))+$")]
    private static partial Regex FullKey();

    [GeneratedRegex(@"^__[A-Z][A-Za-z0-9]*$")]
    private static partial Regex ShortKey();

    [GeneratedRegex(@"__(0…|N)(?=__|$)")]
    private static partial Regex ElementMarker();

    [GeneratedRegex(@"AddValidatedOptions<(?<type>\w+)>\((?<owner>\w+)\.Section\)|AddOptions<(?<type>\w+)>\(\)\.BindConfiguration\((?<owner>\w+)\.Section\)")]
    private static partial Regex ValidatedOptions();

    [GeneratedRegex(@"AddGrainFeedOptions\(\s*\w+\.Group,\s*(?<owner>\w+)\.Section")]
    private static partial Regex GrainFeedOptionsCall();

    [GeneratedRegex(@"GetSection\((?<owner>\w+)\.Section\)\.Bind\(o\.(?<property>\w+)\)")]
    private static partial Regex SectionBoundIntoProperty();

    /// <summary>Loads a service's assemblies and their dependencies from its own build output.</summary>
    private sealed class ServiceLoadContext(string mainAssembly) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly AssemblyDependencyResolver resolver = new(mainAssembly);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
