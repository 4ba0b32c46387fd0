using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Projects;
using Microsoft.Extensions.Options;

namespace DumGum.Customers;

/// <summary>A customer endpoint failed in a way that ends the run (docs/behaviour.md, "Projects and customer endpoints").</summary>
public sealed class CustomerEndpointException(string kind, string message, bool notFound = false, bool invalidBody = false) : Exception(message)
{
    public string Kind { get; } = kind;
    public bool NotFound { get; } = notFound;
    /// <summary>The endpoint answered 2xx with a body that is not acceptable JSON (docs/behaviour.md, "Malformed JSON").</summary>
    public bool InvalidBody { get; } = invalidBody;
}

/// <summary>
/// GETs the customer's Profile and Chat History endpoints: custom headers on every call, no redirects, a response-size
/// cap, retries with back-off on network errors, 408, 425, 429 and 5xx (honouring Retry-After), all inside the run's
/// deadline. Every attempt is written to the project logs.
/// </summary>
/// <remarks>
/// The retry loop is written by hand on the shared <see cref="Http.RetryPolicy"/> (through <see cref="RetryBackoff"/>),
/// not a Microsoft.Extensions.Http.Resilience handler on the <see cref="HttpClientName"/> client, for three reasons:
/// the project logs need one row per attempt with its status, latency, body excerpt and reason, which a handler's
/// internal retries would hide; the run's deadline decides both each attempt's timeout and whether a retry may start
/// at all (a wait that would end past it fails the run now); and the same client also serves webhook deliveries, which
/// store each attempt before waiting, and the endpoint test, which must make exactly one call.
/// </remarks>
public sealed class CustomerClient(IHttpClientFactory httpClients, CallLog callLog, TimeProvider clock,
    IOptions<OutboundOptions> options, DumGumMetrics metrics)
{
    public const string HttpClientName = "customers";

    public async Task<JsonObject> GetJsonAsync(Project project, string kind, string url, string? userProfileId,
        string? personaProfileId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var o = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero) throw new TimeoutException($"the run's deadline passed while calling the {kind} endpoint");
            var response = await GetOnceAsync(project, url, remaining < o.RequestTimeout ? remaining : o.RequestTimeout, cancellationToken);
            switch (response.Failure)
            {
                case CustomerFailure.None:
                    if (ParseObject(response.Body!, out var invalid) is not { } json)
                    {
                        Log(project, kind, url, response with { Excerpt = System.Text.Encoding.UTF8.GetString(response.Body!) },
                            attempt, $"invalid JSON: {invalid}", userProfileId, personaProfileId);
                        throw new CustomerEndpointException(kind, $"the {kind} endpoint returned invalid JSON: {invalid}", invalidBody: true);
                    }
                    Log(project, kind, url, response, attempt, null, userProfileId, personaProfileId);
                    return json;
                case CustomerFailure.TooLarge:
                    Log(project, kind, url, response, attempt, response.Error, userProfileId, personaProfileId);
                    throw new CustomerEndpointException(kind, $"the {kind} endpoint's response is too large");
                case CustomerFailure.Status when response.Status == (int)HttpStatusCode.NotFound:
                    Log(project, kind, url, response, attempt, response.Error, userProfileId, personaProfileId);
                    throw new CustomerEndpointException(kind, $"the {kind} endpoint answered 404", notFound: true);
                case CustomerFailure.Status when !RetryBackoff.IsRetryable(response.Status!.Value):
                    Log(project, kind, url, response, attempt, response.Error, userProfileId, personaProfileId);
                    throw new CustomerEndpointException(kind, $"the {kind} endpoint answered {response.Status}");
            }
            Log(project, kind, url, response, attempt, response.Error, userProfileId, personaProfileId);
            if (RetryBackoff.NextWait(attempt, response.RetryAfter, clock.GetUtcNow(), deadline) is not { } delay)
                throw new TimeoutException($"the {kind} endpoint kept failing ({response.Error}) until the run's deadline");
            await Task.Delay(delay, clock, cancellationToken);
        }
    }

    /// <summary>
    /// One GET to a customer endpoint, exactly as a run makes it (the project's custom headers, our User-Agent, the
    /// address guard of the <see cref="HttpClientName"/> client, no redirects, the response cap), without retries or
    /// logging: the caller decides. Cancellation of <paramref name="cancellationToken"/> throws; everything else,
    /// <paramref name="timeout"/> included, is a failure in the result.
    /// </summary>
    public async Task<CustomerResponse> GetOnceAsync(Project project, string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var o = options.Value;
        var http = httpClients.CreateClient(HttpClientName);
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        int? status = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            CustomerHeaders.Apply(request, project.Config, o.UserAgent);
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var body = await ReadCappedAsync(response, o.MaxResponseBytes, attemptTimeout.Token);
                return new CustomerResponse(status, body, null, CustomerFailure.None, Stopwatch.GetElapsedTime(started), null);
            }
            var retryAfter = RetryBackoff.IsRetryable(status.Value) ? RetryBackoff.RetryAfter(response, clock.GetUtcNow()) : null;
            var excerpt = await ReadExcerptAsync(response, attemptTimeout.Token);
            return new CustomerResponse(status, null, $"HTTP {status}", CustomerFailure.Status, Stopwatch.GetElapsedTime(started), retryAfter, excerpt);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CustomerResponse(status, null, "timed out", CustomerFailure.Transport, Stopwatch.GetElapsedTime(started), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // Every transport fault is a network error like any other, retried (docs/behaviour.md, "Outbound transport
            // errors"): DNS, refused or reset connections, TLS, a malformed response, and a body cut short or reset
            // while it was read (HttpIOException, or the socket's own IOException).
            return new CustomerResponse(status, null, TransportError(ex), CustomerFailure.Transport, Stopwatch.GetElapsedTime(started), null);
        }
        catch (ResponseTooLargeException ex)
        {
            return new CustomerResponse(status, null, ex.Message, CustomerFailure.TooLarge, Stopwatch.GetElapsedTime(started), null);
        }
    }

    /// <summary>
    /// The body as a JSON object, or null with the reason: not JSON, JSON that <see cref="Http.StrictJson"/> refuses
    /// (invalid Unicode, a duplicate name, a number out of range, nesting too deep; the reason names the JSON path), or
    /// JSON but not an object.
    /// </summary>
    public static JsonObject? ParseObject(byte[] body, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Http.StrictJson.Check(body) is { } fault)
        {
            problem = fault.Path == "$" ? fault.Message : $"{fault.Path}: {fault.Message}";
            return null;
        }
        if (JsonNode.Parse(body, documentOptions: Http.StrictJson.DocumentOptions) is JsonObject json)
        {
            problem = null;
            return json;
        }
        problem = "the body is not a JSON object";
        return null;
    }

    /// <summary>
    /// A transport fault in words for the project logs: what kind of fault (the runtime's <see cref="HttpRequestError"/>,
    /// e.g. <c>NameResolutionError</c>, <c>SecureConnectionError</c>, <c>ResponseEnded</c>) and its message, with the
    /// innermost cause (the socket or TLS error) when it says more.
    /// </summary>
    public static string TransportError(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var kind = ex switch
        {
            HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } h => h.HttpRequestError.ToString(),
            HttpIOException io when io.HttpRequestError != HttpRequestError.Unknown => io.HttpRequestError.ToString(),
            IOException => "IOError",
            _ => "NetworkError",
        };
        var inner = ex;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var message = ReferenceEquals(inner, ex) || ex.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? ex.Message : $"{ex.Message} ({inner.Message})";
        return $"network error ({kind}): {message}";
    }

    void Log(Project project, string kind, string url, CustomerResponse response, int attempt, string? error, string? user, string? persona)
    {
        if (error is not null) metrics.CustomerEndpointError(kind);
        callLog.Record(project.Id, kind, url, response.Status, response.Latency, attempt, error, user, persona,
            excerpt: error is null ? null : response.Excerpt);
    }

    /// <summary>
    /// The start of an error answer's body, for the project logs: at most a few kilobytes are read, and a body that
    /// cannot be read (cut, timed out) leaves no excerpt rather than a failure.
    /// </summary>
    public static async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[4 * CallLog.ExcerptLength];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0) length += read;
            return length == 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return null;
        }
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

/// <summary>How a call to a customer endpoint failed: not at all, with a non-2xx status, without an answer (network error, timeout), or with a body over the cap.</summary>
public enum CustomerFailure { None, Status, Transport, TooLarge }

/// <summary>What one GET to a customer endpoint gave.</summary>
/// <param name="Status">The HTTP status, null when no answer arrived.</param>
/// <param name="Body">The body of a 2xx answer, null otherwise.</param>
/// <param name="Error">Why the call failed (<c>HTTP 500</c>, <c>timed out</c>, the network error), null on success.</param>
/// <param name="RetryAfter">The server's Retry-After on a retryable status.</param>
/// <summary>One answer of a customer endpoint; <see cref="Excerpt"/> is the start of the body of a non-2xx answer.</summary>
public sealed record CustomerResponse(int? Status, byte[]? Body, string? Error, CustomerFailure Failure, TimeSpan Latency, TimeSpan? RetryAfter,
    string? Excerpt = null);

public sealed class ResponseTooLargeException(string message) : Exception(message);
