using Microsoft.Extensions.Options;

namespace Streaming.PushTrigger.Rules;

/// <summary>The enabled rules of the validated configuration, by kind of trigger.</summary>
public sealed class PushRuleSet(IOptions<PushTriggerOptions> options)
{
    public PushTriggerOptions Options { get; } = options.Value;

    public IReadOnlyList<PushRule> All { get; } = RuleKinds.Resolve(options.Value);

    public IEnumerable<(PushRule Rule, IProductRuleKind Kind)> ProductRules =>
        All.Where(r => r.Kind is IProductRuleKind).Select(r => (r, (IProductRuleKind)r.Kind));

    public IEnumerable<(PushRule Rule, IUserRuleKind Kind)> UserRules =>
        All.Where(r => r.Kind is IUserRuleKind).Select(r => (r, (IUserRuleKind)r.Kind));

    public PushRule? Find(string id) => All.FirstOrDefault(r => r.Id == id);
}
