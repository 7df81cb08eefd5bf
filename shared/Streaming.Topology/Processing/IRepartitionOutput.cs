using Streaming.Kafka;

namespace Streaming.Topology.Processing;

/// <summary>Where the repartition stage sends records: on Kafka the repartition topic, in the test driver the windowing tasks.</summary>
internal interface IRepartitionOutput
{
    /// <summary>Sends the record's value under its new key, stamped with its source position.</summary>
    void Send(string key, byte[] value, SourcePosition source, DateTimeOffset eventTime);

    void DeadLetter(in InputRecord record, string reason);
}
