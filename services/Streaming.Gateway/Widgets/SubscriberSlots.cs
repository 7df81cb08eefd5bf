using Microsoft.Extensions.Options;

namespace Streaming.Gateway.Widgets;

/// <summary>Bounds the open SSE streams of this instance (<see cref="WidgetOptions.MaxSubscribers"/>).</summary>
public sealed class SubscriberSlots(IOptions<WidgetOptions> options)
{
    private int open;

    public int Open => Volatile.Read(ref open);

    public int Max => options.Value.MaxSubscribers;

    /// <summary>A slot to dispose when the stream ends, or null when all are taken.</summary>
    public IDisposable? TryTake()
    {
        if (Interlocked.Increment(ref open) > Max)
        {
            Interlocked.Decrement(ref open);
            return null;
        }

        return new Slot(this);
    }

    private sealed class Slot(SubscriberSlots owner) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Interlocked.Decrement(ref owner.open);
            }
        }
    }
}
