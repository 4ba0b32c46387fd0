using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using DumGum.Customers;
using DumGum.Http;
using DumGum.Replies.Models;
using DumGum.Storage;
using DumGum.Tests.Webhooks;

namespace DumGum.Tests.Http;

/// <summary>
/// Customer calls, webhook deliveries and model calls retry by one policy (<see cref="RetryPolicy"/>): the same statuses,
/// the same reading of <c>Retry-After</c>, the same jitter and the same deadline rule. Each test fails when one of the
/// three callers goes its own way again.
/// </summary>
public sealed class OneRetryPolicyTests
{
    static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan ModelBase = TimeSpan.FromMilliseconds(500);

    /// <summary>What customer calls and deliveries read (an HTTP response) and what the model client reads (its SDK's exception).</summary>
    static (TimeSpan? Customer, TimeSpan? Model) ReadBothWays(string? header)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        if (header is not null) response.Headers.TryAddWithoutValidation("Retry-After", header);
        var model = new ClientResultException("HTTP 503", new ModelResponse(503, header));
        return (RetryBackoff.RetryAfter(response, Now), RetryingChatClient.RetryAfter(model, Now));
    }

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData("0", 0.0)]
    [InlineData("Sat, 01 Mar 2025 12:00:12 GMT", 12.0)]
    [InlineData("Sat, 01 Mar 2025 11:00:00 GMT", 0.0)]
    [InlineData("1.5", null)]
    [InlineData("-5", null)]
    [InlineData("soon", null)]
    [InlineData(null, null)]
    public void The_same_Retry_After_reads_the_same_for_customer_calls_deliveries_and_model_calls(string? header, double? seconds)
    {
        var (customer, model) = ReadBothWays(header);
        TimeSpan? expected = seconds is { } s ? TimeSpan.FromSeconds(s) : null;
        Assert.Equal(expected, customer);
        Assert.Equal(expected, model);
    }

    [Theory]
    [InlineData(0, 12.0)]
    [InlineData(1, 12.0)]
    [InlineData(3, 25.0)]
    public void A_Retry_After_longer_than_the_back_off_is_the_wait_for_all_three(int retry, double retryAfterSeconds)
    {
        var retryAfter = TimeSpan.FromSeconds(retryAfterSeconds);
        foreach (var sample in new[] { 0.0, 0.5, 0.999 })
        {
            Assert.Equal(retryAfter, RetryBackoff.Policy.Delay(retry, retryAfter, sample));
            Assert.Equal(retryAfter, RetryingChatClient.Delay(retry, ModelBase, retryAfter, sample));
        }
    }

    [Fact]
    public void A_Retry_After_shorter_than_the_back_off_does_not_hurry_any_of_them()
    {
        var soon = TimeSpan.FromMilliseconds(10);
        Assert.Equal(RetryBackoff.Policy.Backoff(2, 0.3), RetryBackoff.Policy.Delay(2, soon, 0.3));
        Assert.Equal(RetryingChatClient.Policy(ModelBase).Backoff(2, 0.3), RetryingChatClient.Delay(2, ModelBase, soon, 0.3));
    }

    [Fact]
    public void One_status_rule_for_all_three()
    {
        for (var status = 100; status < 700; status++)
        {
            var rule = RetryPolicy.IsRetryableStatus(status);
            Assert.Equal(rule, RetryBackoff.IsRetryable(status));
            Assert.Equal(rule, RetryingChatClient.IsTransient(new ClientResultException("x", new ModelResponse(status, null))));
            Assert.Equal(rule, RetryingChatClient.IsTransient(new HttpRequestException("x", null, (HttpStatusCode)status)));
        }
    }

    [Fact]
    public void Jitter_keeps_every_wait_between_half_and_all_of_the_nominal_delay()
    {
        var customers = RetryBackoff.Policy;
        var model = RetryingChatClient.Policy(ModelBase);
        for (var retry = 0; retry < 12; retry++)
        {
            var customerNominal = Math.Min(500 * Math.Pow(2, retry), 10_000);
            var modelNominal = Math.Min(500 * Math.Pow(2, retry), 8_000);
            foreach (var sample in new[] { 0.0, 0.25, 0.5, 0.75, 0.999999 })
            {
                // One formula: half fixed plus the sample's share of the other half.
                Assert.Equal(customerNominal * (0.5 + sample / 2), customers.Backoff(retry, sample).TotalMilliseconds, tolerance: 0.01);
                Assert.Equal(modelNominal * (0.5 + sample / 2), model.Backoff(retry, sample).TotalMilliseconds, tolerance: 0.01);
            }
            Assert.Equal(customerNominal / 2, customers.Backoff(retry, -1).TotalMilliseconds, tolerance: 0.01);   // out-of-range samples are clamped
            Assert.Equal(customerNominal, customers.Backoff(retry, 2).TotalMilliseconds, tolerance: 0.01);
        }
    }

    [Fact]
    public void The_deadline_rule_gives_up_when_the_wait_would_reach_the_deadline()
    {
        var policy = RetryBackoff.Policy;
        var retryAfter = TimeSpan.FromSeconds(8);
        Assert.Equal(retryAfter, policy.NextWait(0, retryAfter, Now, Now + retryAfter + TimeSpan.FromMilliseconds(1), 0.5));
        Assert.Null(policy.NextWait(0, retryAfter, Now, Now + retryAfter, 0.5));
        Assert.Null(policy.NextWait(0, null, Now, Now, 0.5));
        Assert.True(RetryPolicy.WaitEndsInTime(Now, TimeSpan.FromHours(1), DateTimeOffset.MaxValue));
    }

    /// <summary>On the real dispatcher: a customer's Retry-After of 0 still waits the back-off (at least half of 0.5 s).</summary>
    [Fact]
    public async Task A_delivery_told_to_retry_at_once_still_waits_the_back_off()
    {
        await using var rig = await DispatcherRig.StartAsync();
        var start = rig.Clock.GetUtcNow();
        rig.Customer.IncomingStatus = _ => rig.Customer.Attempts.Count == 1 ? 503 : 204;
        rig.Customer.IncomingRetryAfter = _ => rig.Customer.Attempts.Count > 1 ? null : "0";

        var rows = await rig.SendAsync(DispatcherRig.Processing(1));
        await rig.WaitForWaitAsync(1);

        using var connection = rig.Database.Open();
        using var command = connection.Sql("SELECT not_before FROM deliveries WHERE id = @id").With("@id", rows[0].Id);
        var wait = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture).FromUnixMs() - start;
        Assert.InRange(wait, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500));
        Assert.Single(rig.Attempted());
    }

    sealed class ModelResponse(int status, string? retryAfter) : PipelineResponse
    {
        public override int Status => status;
        public override string ReasonPhrase => "";
        public override Stream? ContentStream { get; set; }
        public override BinaryData Content => BinaryData.FromString("");
        protected override PipelineResponseHeaders HeadersCore { get; } = new Headers(retryAfter);
        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => Content;
        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => new(Content);
        public override void Dispose() { }
    }

    sealed class Headers(string? retryAfter) : PipelineResponseHeaders
    {
        public override bool TryGetValue(string name, out string? value)
        {
            value = name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase) ? retryAfter : null;
            return value is not null;
        }

        public override bool TryGetValues(string name, out IEnumerable<string>? values)
        {
            values = TryGetValue(name, out var value) ? [value!] : null;
            return values is not null;
        }

        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
            (retryAfter is null ? [] : new[] { new KeyValuePair<string, string>("Retry-After", retryAfter) }).AsEnumerable().GetEnumerator();
    }
}
