namespace Streaming.Benchmarks.Load;

/// <summary>A consumer group's lag over a step: its floor (lowest sample of each 5-s span) at the end, and whether it rose.</summary>
internal sealed record GroupLag(GroupInput Input, long Floor, double FloorSeconds, bool Growing);

/// <summary>
/// One step of a load run, measured from the end of its settling time to its end: the rate asked and achieved, the
/// freshness of the windows that closed within it, consumer lag, CPU per process (cores), and what the local Kafka did.
/// </summary>
internal sealed record LoadStep(
    int Asked,
    double Achieved,
    long Sent,
    long Failed,
    double PostP99Milliseconds,
    IReadOnlyList<double> Freshness,
    int NotVisible,
    IReadOnlyList<GroupLag> Lags,
    IReadOnlyDictionary<string, double> Cores,
    double MachineCores,
    double LoadAverage,
    long Late,
    long DeadLettered,
    double? EventsRetentionSeconds,
    IReadOnlyList<string> BehindRetention)
{
    public const double FreshnessLimitSeconds = 3;

    /// <summary>p99 of so few windows is their maximum; a window not yet visible counts with its age so far.</summary>
    public double FreshnessP99 => Percentile(0.99);

    public double FreshnessP50 => Percentile(0.50);

    public GroupLag WorstLag => Lags.MaxBy(l => l.FloorSeconds) ?? throw new InvalidOperationException("No consumer groups.");

    /// <summary>Why this rate is not sustained; empty when it is.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = new List<string>();
            if (Achieved < 0.95 * Asked)
            {
                failures.Add($"ingest took {Achieved:N0} of {Asked:N0} events/s");
            }

            if (Failed > Sent / 1000)
            {
                failures.Add($"{Failed:N0} events refused or timed out (not 202)");
            }

            if (NotVisible > 0 || FreshnessP99 > FreshnessLimitSeconds || Freshness.Count == 0)
            {
                failures.Add(NotVisible > 0
                    ? $"{NotVisible} of {Freshness.Count} windows not final in ClickHouse {FreshnessLimitSeconds:0} s after close"
                    : $"freshness p99 {FreshnessP99:0.00} s > {FreshnessLimitSeconds:0} s");
            }

            failures.AddRange(Lags.Where(l => l.Growing).Select(l => $"lag of {l.Input.Group} keeps growing ({l.Floor:N0} records, {l.FloorSeconds:0.0} s of input)"));
            return failures;
        }
    }

    public bool Sustained => Failures.Count == 0;

    /// <summary>
    /// Lag per group from samples over the step: the floor of each 5-s span (a checkpoint's commit falls in each) must
    /// rise in every span, and by more than a tenth of the records the topic received meanwhile, to count as growing.
    /// </summary>
    public static List<GroupLag> EvaluateLag(IReadOnlyList<GroupInput> groups, IReadOnlyList<LagSample> samples, double from)
    {
        if (samples.Count < 2)
        {
            return [.. groups.Select(g => new GroupLag(g, samples.Count == 0 ? 0 : samples[0].Lag[g.Group], 0, false))];
        }

        var (first, last) = (samples[0], samples[^1]);
        var spans = samples.GroupBy(s => (int)((s.At - from) / 5)).OrderBy(s => s.Key).ToList();
        return [.. groups.Select(g =>
        {
            var floors = spans.Select(span => span.Min(s => s.Lag[g.Group])).ToList();
            var input = last.End[g.Topic] - first.End[g.Topic];
            var perSecond = input / (last.At - first.At);
            var rising = floors.Count >= 3 && floors.Zip(floors.Skip(1)).All(p => p.Second > p.First);
            return new GroupLag(g, floors[^1], perSecond > 0 ? floors[^1] / perSecond : 0, rising && floors[^1] - floors[0] > 0.1 * input);
        })];
    }

    private double Percentile(double p)
    {
        var sorted = Freshness.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
