namespace Streaming.PushTrigger.Decisions;

/// <summary>Where decisions go: every one to push-decisions, those to send also to push-commands.</summary>
public interface IPushDecisionSink
{
    void Publish(PushDecision decision);
}
