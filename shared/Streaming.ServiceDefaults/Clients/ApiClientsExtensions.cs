using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Streaming.ServiceDefaults.Clients;

public static class ApiClientsExtensions
{
    /// <summary>Binds section "Clients", validates it at start-up (<see cref="ClientsOptionsValidator"/>) and registers <see cref="ApiClients"/>.</summary>
    public static IServiceCollection AddApiClients(this IServiceCollection services)
    {
        // Binding twice would list every key twice; features that each need clients may each call this.
        if (services.Any(d => d.ServiceType == typeof(ApiClients)))
        {
            return services;
        }

        services.AddOptions<ClientsOptions>()
            .Configure<IConfiguration>((o, configuration) => configuration.GetSection(ClientsOptions.Section).Bind(o.Clients))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClientsOptions>, ClientsOptionsValidator>());
        services.AddSingleton<ApiClients>();
        return services;
    }
}
