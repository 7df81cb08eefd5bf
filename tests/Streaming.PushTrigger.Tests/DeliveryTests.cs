using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Streaming.Push.Contracts;
using Streaming.PushDelivery.Delivery;

namespace Streaming.PushTrigger.Tests;

public sealed class DeliveryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Now);
    private readonly DeliveryOptions options = new() { Endpoint = "http://127.0.0.1:1/push", MaxAttempts = 3 };

    private static PushCommand Push(string id = "p1", DateTimeOffset? sendAt = null, int ttlSeconds = 3600) =>
        new(id, "u1", "tour", "rule", "wishlist_selling_fast", "t", "b", "rule:tour", ttlSeconds, Now, sendAt ?? Now);

    [Fact]
    public void Backoff_doubles_up_to_its_limit_and_a_retry_after_wins_within_its_own_limit()
    {
        var policy = new RetryPolicy(new DeliveryOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(5), MaxRetryAfter = TimeSpan.FromMinutes(2) });

        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(a => policy.Wait(a, null).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.Wait(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromMinutes(2), policy.Wait(1, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.Wait(1, TimeSpan.Zero)); // "Retry-After: 0" waits the first backoff
        Assert.Equal(TimeSpan.FromSeconds(90), RetryPolicy.RetryAfter(new RetryConditionHeaderValue(Now.AddSeconds(90)), Now));
        Assert.Equal(TimeSpan.FromSeconds(7), RetryPolicy.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), Now));
    }

    [Fact]
    public void A_held_push_is_due_at_its_send_time_and_gets_a_sent_row_when_delivered()
    {
        var book = new DeliveryBook(options);
        var sendAt = Now.AddHours(3);
        book.Add(0, 10, Push(sendAt: sendAt));
        Assert.Empty(book.Due(Now, 10));
        Assert.Equal([(0, 10L)], book.CommitPoints());

        var due = Assert.Single(book.Due(sendAt, 10));
        var row = book.Complete(due, new AttemptResult(AttemptOutcome.Delivered, "HTTP 200"), sendAt.AddSeconds(1));

        Assert.NotNull(row);
        Assert.Equal(PushOutcomes.Sent, row.Outcome);
        Assert.Equal(sendAt.AddSeconds(1), row.SendAt);
        Assert.Equal([(0, 11L)], book.CommitPoints());
    }

    [Fact]
    public void A_push_sent_at_once_needs_no_second_row_and_commits_stop_at_the_first_unfinished_push()
    {
        var book = new DeliveryBook(options);
        book.Add(0, 1, Push("a"));
        book.Add(0, 2, Push("b"));
        book.Add(0, 3, null); // a dead-lettered record: finished at once
        var due = book.Due(Now, 10);
        Assert.Equal(2, due.Count);

        Assert.Null(book.Complete(due[1], new AttemptResult(AttemptOutcome.Delivered, "HTTP 200"), Now));
        Assert.Equal([(0, 1L)], book.CommitPoints());
        Assert.Null(book.Complete(due[0], new AttemptResult(AttemptOutcome.Delivered, "HTTP 202"), Now));
        Assert.Equal([(0, 4L)], book.CommitPoints());
    }

    [Fact]
    public void Failures_are_retried_with_backoff_or_retry_after_and_fail_with_the_reason_after_the_last_attempt()
    {
        var book = new DeliveryBook(options);
        book.Add(0, 1, Push());
        var push = Assert.Single(book.Due(Now, 1));
        push.InFlight = true;

        Assert.Null(book.Complete(push, new AttemptResult(AttemptOutcome.Retry, "HTTP 429", TimeSpan.FromSeconds(20)), Now));
        Assert.Equal(Now.AddSeconds(20), push.DueAt);
        Assert.Empty(book.Due(Now.AddSeconds(19), 1));
        Assert.Null(book.Complete(Assert.Single(book.Due(Now.AddSeconds(20), 1)), new AttemptResult(AttemptOutcome.Retry, "HTTP 503"), Now.AddSeconds(20)));
        Assert.Equal(Now.AddSeconds(21), push.DueAt); // the first failure (the 429 asked to wait, it is no failure): 1 s
        Assert.Null(book.Complete(push, new AttemptResult(AttemptOutcome.Retry, "HTTP 503"), Now.AddSeconds(21)));
        Assert.Equal(Now.AddSeconds(23), push.DueAt); // 2nd failure: 2 s

        var row = book.Complete(push, new AttemptResult(AttemptOutcome.Retry, "HTTP 503"), Now.AddSeconds(23));

        Assert.NotNull(row);
        Assert.Equal(PushOutcomes.Failed, row.Outcome);
        Assert.Equal("not delivered after 4 attempts: HTTP 503", row.Reason);
        Assert.Equal(0, book.Pending);
    }

    [Fact]
    public void A_provider_that_asks_to_wait_uses_no_attempt_and_the_push_expires_when_its_ttl_would_pass()
    {
        var book = new DeliveryBook(options);
        book.Add(0, 1, Push(ttlSeconds: 120));
        var push = Assert.Single(book.Due(Now, 1));
        var at = Now;

        // Ten throttled answers in a row (more than MaxAttempts, 3): the push waits as asked and is not failed.
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(book.Complete(push, new AttemptResult(AttemptOutcome.Retry, "HTTP 429", TimeSpan.FromSeconds(10)), at));
            at = push.DueAt;
        }

        Assert.Equal(Now.AddSeconds(100), at);
        Assert.Null(book.Complete(push, new AttemptResult(AttemptOutcome.Retry, "HTTP 429", TimeSpan.FromSeconds(10)), at));
        var row = book.Complete(push, new AttemptResult(AttemptOutcome.Retry, "HTTP 503", TimeSpan.FromSeconds(30)), Now.AddSeconds(110));

        Assert.NotNull(row);
        Assert.Equal(PushOutcomes.Expired, row.Outcome);
        Assert.Equal(0, book.Pending);
    }

    [Fact]
    public void A_rejected_push_fails_at_once_and_one_past_its_ttl_expires()
    {
        var book = new DeliveryBook(options);
        book.Add(0, 1, Push("rejected"));
        book.Add(0, 2, Push("late", ttlSeconds: 60));

        var rejected = book.Complete(book.Due(Now, 1)[0], new AttemptResult(AttemptOutcome.Rejected, "HTTP 400"), Now);
        Assert.Equal((PushOutcomes.Failed, "rejected by the provider: HTTP 400"), (rejected!.Outcome, rejected.Reason));

        var late = Assert.Single(book.Due(Now.AddMinutes(2), 1));
        Assert.True(DeliveryBook.Expired(late.Command, Now.AddMinutes(2)));
        var expired = book.Expire(late, Now.AddMinutes(2));
        Assert.Equal(PushOutcomes.Expired, expired.Outcome);
        Assert.StartsWith("not sent before its TTL ended at 2026-11-23T10:01:00", expired.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, AttemptOutcome.Delivered)]
    [InlineData(HttpStatusCode.TooManyRequests, AttemptOutcome.Retry)]
    [InlineData(HttpStatusCode.ServiceUnavailable, AttemptOutcome.Retry)]
    [InlineData(HttpStatusCode.BadRequest, AttemptOutcome.Rejected)]
    public async Task The_sender_posts_the_push_with_its_idempotency_key_and_classifies_the_answer(HttpStatusCode status, AttemptOutcome expected)
    {
        var handler = new AnsweringHandler(status, retryAfterSeconds: 12);
        var sender = new PushSender(new HttpClient(handler), Options.Create(options), clock);

        var result = await sender.SendAsync(Push("push-42"), CancellationToken.None);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal("push-42", handler.IdempotencyKey);
        Assert.Contains("\"push_id\":\"push-42\"", handler.Body, StringComparison.Ordinal);
        Assert.Equal(status == HttpStatusCode.OK ? null : TimeSpan.FromSeconds(12), result.RetryAfter);
    }

    private sealed class AnsweringHandler(HttpStatusCode status, int retryAfterSeconds) : HttpMessageHandler
    {
        public string? IdempotencyKey { get; private set; }

        public string Body { get; private set; } = "";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            IdempotencyKey = request.Headers.GetValues(PushSender.IdempotencyKey).Single();
            Body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var response = new HttpResponseMessage(status);
            if (status != HttpStatusCode.OK)
            {
                response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(retryAfterSeconds));
            }

            return response;
        }
    }
}
