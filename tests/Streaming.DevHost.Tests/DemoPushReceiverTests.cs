using System.Net;
using System.Net.Http.Json;
using Streaming.DevHost.Fleet;
using Streaming.Push.Contracts;

namespace Streaming.DevHost.Tests;

public sealed class DemoPushReceiverTests
{
    [Fact]
    public async Task A_misbehaving_receiver_answers_429_503_or_too_late_and_a_push_it_took_late_counts_once_by_key()
    {
        var log = Path.GetTempFileName();
        try
        {
            await using var receiver = await DemoPushReceiver.StartAsync(log);
            using var http = new HttpClient();

            receiver.Misbehave(PushReceiverFault.TooManyRequests);
            using (var throttled = await PostAsync(http, receiver, "p1", CancellationToken.None))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(2), throttled.Headers.RetryAfter?.Delta);
            }

            receiver.Misbehave(PushReceiverFault.Unavailable);
            using (var unavailable = await PostAsync(http, receiver, "p1", CancellationToken.None))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            }

            Assert.Equal(0, receiver.Received);

            receiver.Misbehave(PushReceiverFault.Timeout);
            using (var impatient = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostAsync(http, receiver, "p1", impatient.Token));
            }

            receiver.Misbehave(PushReceiverFault.None);
            using (var retried = await PostAsync(http, receiver, "p1", CancellationToken.None))
            {
                Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            }

            Assert.Equal(1, receiver.Received);
            Assert.Equal(1, receiver.Duplicates);
            Assert.Equal(3, receiver.Refused);
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, DemoPushReceiver receiver, string pushId, CancellationToken cancellationToken)
    {
        var push = new PushCommand(pushId, "u1", "tour-seoul-001", "viewed-not-booked", "viewed_not_booked", "Title", "Body", "c", 3600,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = JsonContent.Create(push, PushJsonContext.Default.PushCommand) };
        request.Headers.Add("Idempotency-Key", pushId);
        return http.SendAsync(request, cancellationToken);
    }
}
