using System.Net;
using System.Net.Http.Headers;
using DumGum.Customers;

namespace DumGum.Tests.Customers;

public sealed class RetryBackoffTests
{
    /// <summary>A Random that always returns the same sample, to pin the jitter's ends.</summary>
    sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;
        protected override double Sample() => sample;
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1, 1.0)]
    [InlineData(2, 2.0)]
    [InlineData(3, 4.0)]
    [InlineData(4, 8.0)]
    [InlineData(5, 10.0)]
    [InlineData(6, 10.0)]
    [InlineData(60, 10.0)]
    [InlineData(int.MaxValue, 10.0)]
    public void Nominal_delay_doubles_and_caps_at_ten_seconds(int attempt, double nominalSeconds)
    {
        // Equal jitter: sample 0 gives the fixed half, sample → 1 the full nominal delay.
        Assert.Equal(nominalSeconds / 2, RetryBackoff.Delay(attempt, new FixedRandom(0)).TotalSeconds, 6);
        Assert.Equal(nominalSeconds * 0.75, RetryBackoff.Delay(attempt, new FixedRandom(0.5)).TotalSeconds, 6);
        Assert.Equal(nominalSeconds, RetryBackoff.Delay(attempt, new FixedRandom(0.999999999)).TotalSeconds, 3);
    }

    [Fact]
    public void Jitter_stays_within_half_and_full_nominal()
    {
        var random = new Random(12345);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var nominal = Math.Min(0.5 * Math.Pow(2, attempt), 10);
            var min = double.MaxValue;
            var max = double.MinValue;
            for (var i = 0; i < 2000; i++)
            {
                var seconds = RetryBackoff.Delay(attempt, random).TotalSeconds;
                Assert.InRange(seconds, nominal / 2, nominal);
                min = Math.Min(min, seconds);
                max = Math.Max(max, seconds);
            }
            // Actually jittered, across most of the range.
            Assert.True(max - min > nominal / 2 * 0.9, $"attempt {attempt}: {min}..{max}");
        }
    }

    [Fact]
    public void Negative_attempt_and_null_random_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryBackoff.Delay(-1, new Random(1)));
        Assert.Throws<ArgumentNullException>(() => RetryBackoff.Delay(0, null!));
    }

    [Theory]
    [InlineData(408, true)]
    [InlineData(425, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(599, true)]
    [InlineData(200, false)]
    [InlineData(204, false)]
    [InlineData(301, false)]
    [InlineData(302, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(410, false)]
    [InlineData(422, false)]
    [InlineData(600, false)]
    [InlineData(0, false)]
    public void Retryable_statuses(int status, bool retryable) => Assert.Equal(retryable, RetryBackoff.IsRetryable(status));

    static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    static HttpResponseMessage Response(string? retryAfter)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        if (retryAfter is not null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        return response;
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData("120", 120)]
    public void Retry_after_delta_seconds(string header, int seconds)
    {
        using var response = Response(header);
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryBackoff.RetryAfter(response, Now));
    }

    [Fact]
    public void Retry_after_http_date_in_the_future()
    {
        using var response = Response("Sat, 01 Mar 2025 12:00:30 GMT");
        Assert.Equal(TimeSpan.FromSeconds(30), RetryBackoff.RetryAfter(response, Now));
    }

    [Fact]
    public void Retry_after_http_date_respects_now_offset()
    {
        using var response = Response("Sat, 01 Mar 2025 12:01:00 GMT");
        var nowInParis = new DateTimeOffset(2025, 3, 1, 13, 0, 0, TimeSpan.FromHours(1));
        Assert.Equal(TimeSpan.FromMinutes(1), RetryBackoff.RetryAfter(response, nowInParis));
    }

    [Fact]
    public void Retry_after_http_date_in_the_past_is_zero()
    {
        using var response = Response("Sat, 01 Mar 2025 11:59:00 GMT");
        Assert.Equal(TimeSpan.Zero, RetryBackoff.RetryAfter(response, Now));
    }

    [Fact]
    public void Retry_after_set_through_the_typed_header()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryBackoff.RetryAfter(response, Now));
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), RetryBackoff.RetryAfter(response, Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("")]
    public void Retry_after_absent_or_garbage_is_null(string? header)
    {
        using var response = Response(header);
        Assert.Null(RetryBackoff.RetryAfter(response, Now));
    }
}
