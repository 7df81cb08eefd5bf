using Streaming.PushTrigger.Decisions;

namespace Streaming.PushTrigger.Tests;

/// <summary>Keeps the decisions grains publish; tests wait on them with a timeout.</summary>
public sealed class RecordingDecisionSink : IPushDecisionSink
{
    private readonly List<PushDecision> decisions = [];
    private readonly Lock gate = new();

    public void Publish(PushDecision decision)
    {
        lock (gate)
        {
            decisions.Add(decision);
        }
    }

    public IReadOnlyList<PushDecision> Of(string userId)
    {
        lock (gate)
        {
            return [.. decisions.Where(d => d.UserId == userId)];
        }
    }
}
