using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Streaming.ServiceDefaults.Forwarding;

/// <summary>
/// Section "ForwardedHeaders": the peers whose X-Forwarded-For and X-Forwarded-Proto the services believe (the
/// ingress). None by default: then a request's client address is its TCP peer, whatever headers it sends.
/// </summary>
public sealed class ForwardedHeadersTrustOptions : IValidatableObject
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. 10.0.3.7.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. 10.0.0.0/8 (the ingress pods' network).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may be believed (an external load balancer in front of the ingress: 2).</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return new ValidationResult($"{Section}__KnownProxies__{i} must be an IP address.", [nameof(KnownProxies)]);
            }
        }

        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                yield return new ValidationResult($"{Section}__KnownNetworks__{i} must be a network in CIDR notation, e.g. 10.0.0.0/8.", [nameof(KnownNetworks)]);
            }
        }
    }
}
