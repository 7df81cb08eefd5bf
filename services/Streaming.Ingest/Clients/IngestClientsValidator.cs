using Microsoft.Extensions.Options;
using Streaming.ServiceDefaults.Clients;

namespace Streaming.Ingest.Clients;

/// <summary>
/// What ingest needs of the clients beyond their own rules: at least one with the ingest scope (ingest is never open),
/// and each such client's event burst holding a full request (else a full batch could never pass).
/// </summary>
public sealed class IngestClientsValidator(IOptions<IngestOptions> ingest) : IValidateOptions<ClientsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientsOptions options)
    {
        var posting = options.Clients.Where(c => c.Value.Scopes.Contains(ApiScopes.Ingest, StringComparer.Ordinal)).ToList();
        if (posting.Count == 0)
        {
            return ValidateOptionsResult.Fail(
                $"{ClientsOptions.Section}: no client has the {ApiScopes.Ingest} scope; set {ClientsOptions.Section}__<name>__Keys__0 and "
                + $"{ClientsOptions.Section}__<name>__Scopes__0={ApiScopes.Ingest} (ingest is never open).");
        }

        var perRequest = ingest.Value.MaxEventsPerRequest;
        var failures = posting.Where(c => c.Value.Quota.EventsBurst < perRequest)
            .Select(c => $"{ClientsOptions.Section}__{c.Key}__Quota__EventsBurst must be at least Ingest__MaxEventsPerRequest ({perRequest}).")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
