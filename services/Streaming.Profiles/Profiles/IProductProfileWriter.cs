using Orleans.Concurrency;

namespace Streaming.Profiles.Profiles;

/// <summary>The write side of a product's profile, called by the silo's product-events consumer only.</summary>
public interface IProductProfileWriter : IGrainWithStringKey
{
    /// <summary>Applies events in memory (those at or below an applied source position are ignored); not yet stored.</summary>
    Task<FeedResult> ApplyAsync(Immutable<ProductEvent[]> events);

    /// <summary>
    /// Writes the state if anything was applied since the last write; throws if storage fails (the events stay pending).
    /// Returns the activation's id: if it differs from the one <see cref="ApplyAsync"/> returned, that activation was lost
    /// with events it had not written, and the caller must read them again.
    /// </summary>
    Task<Guid> FlushAsync();

    /// <summary>Emits the trailing change held back by coalescing, if it is due (called by the grain's own timer).</summary>
    [OneWay]
    Task EmitDueChangeAsync();
}

/// <param name="Activation">Identifies the activation that applied the events (see <see cref="IProductProfileWriter.FlushAsync"/>).</param>
[GenerateSerializer, Immutable]
public sealed record FeedResult([property: Id(0)] Guid Activation, [property: Id(1)] int Applied, [property: Id(2)] int Duplicates);
