using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Streaming.ServiceDefaults.Clients;

/// <summary>
/// Refuses start-up on a client that could not be told apart or would weaken the fleet: a blank, short or placeholder
/// key, a key two clients share, an unknown scope, a quota out of range. Each failure names its setting as the
/// environment spells it (<c>Clients__app__Keys__0</c>) and never quotes a key.
/// </summary>
public sealed partial class ClientsOptionsValidator : IValidateOptions<ClientsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientsOptions options)
    {
        var failures = new List<string>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (client, settings) in options.Clients)
        {
            var prefix = $"{ClientsOptions.Section}__{client}";
            if (!ClientName().IsMatch(client))
            {
                failures.Add($"{prefix}: a client's name is 1 to 64 letters, digits, '-' or '_'.");
            }

            if (settings.Keys.Count == 0)
            {
                failures.Add($"{prefix}__Keys__0 is required: a client has at least one key.");
            }

            for (var i = 0; i < settings.Keys.Count; i++)
            {
                var setting = $"{prefix}__Keys__{i}";
                if (ApiKeyRules.Problem(settings.Keys[i]) is { } problem)
                {
                    failures.Add($"{setting} {problem}.");
                    continue;
                }

                var digest = Convert.ToHexString(ApiKeyRules.ConfiguredDigest(settings.Keys[i]));
                if (!owners.TryAdd(digest, setting))
                {
                    failures.Add($"{setting} is the same key as {owners[digest]}: a key belongs to one client.");
                }
            }

            if (settings.Scopes.Count == 0)
            {
                failures.Add($"{prefix}__Scopes__0 is required: one of {string.Join(", ", ApiScopes.All)}.");
            }

            for (var i = 0; i < settings.Scopes.Count; i++)
            {
                if (!ApiScopes.All.Contains(settings.Scopes[i], StringComparer.Ordinal))
                {
                    failures.Add($"{prefix}__Scopes__{i} must be one of {string.Join(", ", ApiScopes.All)}.");
                }
            }

            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(settings.Quota, new ValidationContext(settings.Quota), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{prefix}__Quota__{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ClientName();
}
