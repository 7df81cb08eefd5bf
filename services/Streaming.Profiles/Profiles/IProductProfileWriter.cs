using Orleans.Concurrency;

namespace Streaming.Profiles.Profiles;

/// <summary>The write side of a product's profile, called by the silo's product-events consumer only.</summary>
public interface IProductProfileWriter : IGrainWithStringKey
{
    /// <summary>Applies events in memory (those at or below an applied source position are ignored); not yet stored.</summary>
    Task<FeedResult> ApplyAsync(Immutable<ProductEvent[]> events);

    /// <summary>
    /// <see cref="ApplyAsync"/>, then <see cref="FlushAsync"/> in the same call (the barrier's last batch): the result
    /// says whether the state was written; if storage failed it was not (the events stay applied, unwritten), and the
    /// caller flushes later. Its activation id plays the part of the one <see cref="FlushAsync"/> returns.
    /// </summary>
    Task<FeedResult> ApplyAndWriteAsync(Immutable<ProductEvent[]> events);

    /// <summary>
    /// Writes the state if anything was applied since the last write; throws if storage fails (the events stay applied,
    /// unwritten). Returns the activation's id: if it differs from the one <see cref="ApplyAsync"/> returned, events it
    /// applied were not written (the activation was lost with them, or another one wrote first and this one took that
    /// state instead), and the caller must read them again.
    /// </summary>
    Task<Guid> FlushAsync();

    /// <summary>Emits the trailing change held back by coalescing, if it is due (called by the grain's own timer).</summary>
    [OneWay]
    Task EmitDueChangeAsync();
}

/// <param name="Activation">Identifies the activation that applied the events (see <see cref="IProductProfileWriter.FlushAsync"/>).</param>
/// <param name="Written">The state is written with these events (<see cref="IProductProfileWriter.ApplyAndWriteAsync"/> only).</param>
[GenerateSerializer, Immutable]
public sealed record FeedResult(
    [property: Id(0)] Guid Activation, [property: Id(1)] int Applied, [property: Id(2)] int Duplicates, [property: Id(3)] bool Written = false);
