using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Projects;
using Microsoft.Extensions.Options;

namespace DumGum.Customers;

/// <summary>A customer endpoint failed in a way that ends the run (decisions §2, §5).</summary>
public sealed class CustomerEndpointException(string kind, string message, bool notFound = false) : Exception(message)
{
    public string Kind { get; } = kind;
    public bool NotFound { get; } = notFound;
}

/// <summary>
/// GETs the customer's Profile and Chat History endpoints: custom headers on every call, no redirects, a response-size
/// cap, retries with back-off on network errors, 408, 425, 429 and 5xx (honouring Retry-After), all inside the run's
/// deadline. Every attempt is written to the project logs.
/// </summary>
public sealed class CustomerClient(IHttpClientFactory httpClients, CallLog callLog, TimeProvider clock,
    IOptions<OutboundOptions> options, DumGumMetrics metrics)
{
    public const string HttpClientName = "customers";

    public async Task<JsonObject> GetJsonAsync(Project project, string kind, string url, string? userProfileId,
        string? personaProfileId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var http = httpClients.CreateClient(HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero) throw new TimeoutException($"the run's deadline passed while calling the {kind} endpoint");
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(remaining < o.RequestTimeout ? remaining : o.RequestTimeout);
            var started = Stopwatch.GetTimestamp();
            int? status = null;
            TimeSpan? retryAfter = null;
            string error;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                foreach (var (name, value) in project.Config.CustomHeaders) request.Headers.TryAddWithoutValidation(name, value);
                request.Headers.TryAddWithoutValidation("User-Agent", o.UserAgent);
                request.Headers.TryAddWithoutValidation("Accept", "application/json");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var body = await ReadCappedAsync(response, o.MaxResponseBytes, attemptTimeout.Token);
                    JsonObject json;
                    try
                    {
                        json = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("the body is not a JSON object");
                    }
                    catch (JsonException ex)
                    {
                        Log(project, kind, url, status, started, attempt, $"invalid JSON: {ex.Message}", userProfileId, personaProfileId);
                        throw new CustomerEndpointException(kind, $"the {kind} endpoint returned invalid JSON");
                    }
                    Log(project, kind, url, status, started, attempt, null, userProfileId, personaProfileId);
                    return json;
                }
                error = $"HTTP {status}";
                if (status == (int)HttpStatusCode.NotFound)
                {
                    Log(project, kind, url, status, started, attempt, error, userProfileId, personaProfileId);
                    throw new CustomerEndpointException(kind, $"the {kind} endpoint answered 404", notFound: true);
                }
                if (!RetryBackoff.IsRetryable(status.Value))
                {
                    Log(project, kind, url, status, started, attempt, error, userProfileId, personaProfileId);
                    throw new CustomerEndpointException(kind, $"the {kind} endpoint answered {status}");
                }
                retryAfter = RetryBackoff.RetryAfter(response, clock.GetUtcNow());
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = "timed out";
            }
            catch (HttpRequestException ex)
            {
                error = ex.Message;
            }
            catch (ResponseTooLargeException ex)
            {
                Log(project, kind, url, status, started, attempt, ex.Message, userProfileId, personaProfileId);
                throw new CustomerEndpointException(kind, $"the {kind} endpoint's response is too large");
            }
            Log(project, kind, url, status, started, attempt, error, userProfileId, personaProfileId);
            var delay = retryAfter ?? RetryBackoff.Delay(attempt - 1, Random.Shared);
            if (clock.GetUtcNow() + delay >= deadline)
                throw new TimeoutException($"the {kind} endpoint kept failing ({error}) until the run's deadline");
            await Task.Delay(delay, clock, cancellationToken);
        }
    }

    void Log(Project project, string kind, string url, int? status, long started, int attempt, string? error, string? user, string? persona)
    {
        var latency = Stopwatch.GetElapsedTime(started);
        if (error is not null) metrics.CustomerEndpointError(kind);
        callLog.Record(project.Id, kind, url, status, latency, attempt, error, user, persona);
    }

    public static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
            throw new ResponseTooLargeException($"response body is larger than {limit} bytes");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) throw new ResponseTooLargeException($"response body is larger than {limit} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

public sealed class ResponseTooLargeException(string message) : Exception(message);
