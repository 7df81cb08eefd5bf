using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Streaming.Push.Contracts;

namespace Streaming.PushDelivery.Delivery;

/// <summary>POSTs one push to the provider with <c>Idempotency-Key: {push_id}</c>: a retry or a re-read after a crash is the same key.</summary>
public sealed class PushSender(HttpClient http, IOptions<DeliveryOptions> options, TimeProvider clock)
{
    public const string IdempotencyKey = "Idempotency-Key";
    private readonly DeliveryOptions settings = options.Value;

    public async Task<AttemptResult> SendAsync(PushCommand push, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Endpoint)
        {
            Content = JsonContent.Create(push, PushJsonContext.Default.PushCommand),
        };
        request.Headers.Add(IdempotencyKey, push.PushId);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new AttemptResult(AttemptOutcome.Delivered, $"HTTP {status}");
            }

            var retryable = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || status >= 500;
            return new AttemptResult(retryable ? AttemptOutcome.Retry : AttemptOutcome.Rejected, $"HTTP {status}",
                RetryPolicy.RetryAfter(response.Headers.RetryAfter, clock.GetUtcNow()));
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(AttemptOutcome.Retry, "no response: " + ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(AttemptOutcome.Retry, $"no response within {settings.RequestTimeout.TotalSeconds:0.#} s");
        }
    }
}
