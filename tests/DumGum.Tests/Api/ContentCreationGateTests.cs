using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DumGum.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Api;

/// <summary>
/// Every endpoint of the public API, found in the server's endpoint table, answers 401 without a valid key, 415 for a
/// body that is not JSON and 429 over its key's rate limit, each as problem+json. The group's filter gives all of them
/// the same gate, so a new endpoint is covered without a copy of these tests.
/// </summary>
public sealed class ContentCreationGateTests : IAsyncLifetime
{
    const string Prefix = "/cs/v1/content_creation/";
    static CancellationToken Token => TestContext.Current.CancellationToken;

    DumGumHost host = null!;
    FakeCustomer customer = null!;

    public async ValueTask InitializeAsync()
    {
        customer = await FakeCustomer.StartAsync();
        host = DumGumHost.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await customer.DisposeAsync();
    }

    List<string> PublicPaths()
    {
        var paths = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => p.StartsWith(Prefix, StringComparison.Ordinal))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        // The walk must find the endpoints it is about, or it would pass having checked nothing.
        Assert.Equal([Prefix + "conversations/enqueue", Prefix + "conversations/generate", Prefix + "suggestion"], paths);
        return paths;
    }

    Task<HttpResponseMessage> PostAsync(string path, string? authorization, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}", Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return host.Http.SendAsync(request, Token);
    }

    [Theory]
    [MemberData(nameof(AccessKeyTests.BadCredentials), MemberType = typeof(AccessKeyTests))]
    public async Task Every_endpoint_answers_bad_credentials_with_a_401_bearer_challenge_before_reading_the_body(string name, string? authorization)
    {
        foreach (var path in PublicPaths())
        {
            // text/plain would be a 415: the key is checked first.
            using var response = await PostAsync(path, authorization, "text/plain");
            var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal("urn:dumgum:problem:unauthorized", (string?)problem["type"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"{name}: {path}");
            ProblemAssert.IsBearerChallenge(response);
        }
    }

    [Fact]
    public async Task Every_endpoint_answers_a_body_that_is_not_JSON_with_a_415_at_the_root()
    {
        var project = await host.CreateProjectAsync(customer);
        foreach (var path in PublicPaths())
        {
            using var response = await PostAsync(path, "Bearer " + project.Key, "text/plain");
            var problem = await ProblemAssert.ReadAsync(response, HttpStatusCode.UnsupportedMediaType);
            Assert.Equal("urn:dumgum:problem:unsupported-media-type", (string?)problem["type"]);
            ProblemAssert.Messages(problem, "$");
        }
    }

    [Fact]
    public async Task Every_endpoint_answers_over_the_rate_limit_with_a_429_and_Retry_After()
    {
        foreach (var path in PublicPaths())
        {
            // One request per 100 s: the first takes the only token (and is a 415), the second is over the limit.
            var project = await host.CreateProjectAsync(customer, new { rateLimit = new { requestsPerSecond = 0.01, burst = 1 } });
            using (var first = await PostAsync(path, "Bearer " + project.Key, "text/plain"))
                Assert.Equal(HttpStatusCode.UnsupportedMediaType, first.StatusCode);
            using var limited = await PostAsync(path, "Bearer " + project.Key);
            var problem = await ProblemAssert.ReadAsync(limited, HttpStatusCode.TooManyRequests);
            Assert.Equal("urn:dumgum:problem:rate-limited", (string?)problem["type"]);
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"{path}: Retry-After {limited.Headers.RetryAfter}");
        }
    }
}
