using System.Net.Sockets;
using Orleans.Runtime;
using Orleans.Storage;
using StackExchange.Redis;

namespace Streaming.Orleans.Feeds;

/// <summary>
/// Tells a grain call that failed because something was unavailable (it will work later: pause and retry) from one
/// that failed because of what it carried (it will fail again: count it towards poison).
/// </summary>
public static class FeedFailures
{
    /// <summary>
    /// True for a silo, a connection, storage or a time-out failing, anywhere in the exception's chain; false for
    /// anything else (an exception a grain threw over its input, or one never seen).
    /// </summary>
    public static bool IsTransient(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is AggregateException { InnerExceptions.Count: > 0 } many)
            {
                return many.InnerExceptions.Any(IsTransient);
            }

            if (e is TimeoutException or OperationCanceledException or SiloUnavailableException or OrleansMessageRejectionException
                or GatewayTooBusyException or RedisException or SocketException or IOException
                or InconsistentStateException or ClientNotAvailableException)
            {
                return true;
            }
        }

        return false;
    }
}
