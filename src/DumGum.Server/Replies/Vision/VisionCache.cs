using System.Net.Http.Headers;
using DumGum.Customers;
using DumGum.Storage;
using Microsoft.Extensions.Options;

namespace DumGum.Replies.Vision;

/// <summary>What the vision model said about one picture: a description in English, and the moderation verdict.</summary>
/// <param name="Rejection"><c>VIOLENT_CONTENT</c>, <c>SELF_HARM</c>, <c>ILLEGAL_CONTENT</c>, or null when the picture is fine.</param>
public sealed record PictureAnalysis(string Description, string? Rejection);

/// <summary>How long an analysis may be reused, from the picture's own <c>Cache-Control</c>; zero = not stored at all.</summary>
/// <param name="Source">What decided it, for the project logs: <c>max-age=…</c>, <c>no-store</c>, <c>default</c>, ….</param>
public sealed record CachePolicy(TimeSpan Age, string Source)
{
    public bool Store => Age > TimeSpan.Zero;
}

/// <summary>
/// The Vision Link analysis cache (docs/behaviour.md, "Vision Link"): one row per project and picture URL in the
/// database, so every node and every conversation of the project reuses it. How long a row lives is read from the
/// picture's <c>Cache-Control</c> with a HEAD request through the SSRF guard (the customer-calls client, without the
/// project's custom headers: a picture host is not the customer's API and must not see its secrets). Expired rows are
/// deleted by <see cref="Retention"/>.
/// </summary>
public sealed class VisionCache(Database database, WriteQueue writes, IHttpClientFactory httpClients,
    IOptions<VisionOptions> options, IOptions<OutboundOptions> outbound)
{
    /// <summary>The stored analysis of <paramref name="url"/> while it has not expired at <paramref name="now"/>.</summary>
    public PictureAnalysis? Find(string projectId, string url, DateTimeOffset now)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
                SELECT description, rejection FROM vision_analyses WHERE project_id = @p AND url = @url AND expires_at > @now
                """)
            .With("@p", projectId).With("@url", url).With("@now", now.ToUnixMs());
        using var reader = command.ExecuteReader();
        return reader.Read() ? new PictureAnalysis(reader.GetString(0), reader.StringOrNull(1)) : null;
    }

    /// <summary>Keeps <paramref name="analysis"/> until <paramref name="now"/> + the policy's age (nothing when it is zero).</summary>
    public Task StoreAsync(string projectId, string url, PictureAnalysis analysis, CachePolicy policy, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.Store) return Task.CompletedTask;
        return writes.WriteAsync(w => w.Command("""
                INSERT INTO vision_analyses(project_id, url, description, rejection, analysed_at, expires_at)
                VALUES(@p, @url, @description, @rejection, @now, @expires)
                ON CONFLICT(project_id, url) DO UPDATE SET description = excluded.description, rejection = excluded.rejection,
                    analysed_at = excluded.analysed_at, expires_at = excluded.expires_at
                """)
            .With("@p", projectId).With("@url", url).With("@description", analysis.Description).With("@rejection", analysis.Rejection)
            .With("@now", now.ToUnixMs()).With("@expires", (now + policy.Age).ToUnixMs()).ExecuteNonQuery()).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// HEADs the picture and reads its caching rules: <c>no-store</c> and <c>no-cache</c> keep nothing (analysed again at
    /// each use); <c>s-maxage</c>, else <c>max-age</c>, else <c>Expires</c>, gives the age (capped at
    /// <see cref="VisionOptions.MaxCacheAge"/>); no rule, a non-2xx answer or a failed request gives
    /// <see cref="VisionOptions.DefaultCacheAge"/>. Returns the HTTP status too (null without an answer), for the logs.
    /// </summary>
    public async Task<(CachePolicy Policy, int? Status, string? Error)> PolicyAsync(string url, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var fallback = new CachePolicy(o.DefaultCacheAge, "default");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.HeadTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            request.Headers.TryAddWithoutValidation("User-Agent", outbound.Value.UserAgent);
            using var response = await httpClients.CreateClient(CustomerClient.HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) return (fallback, status, $"HTTP {status}");
            return (Read(response.Headers.CacheControl, response.Content.Headers.Expires, response.Headers.Date ?? now, o), status, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (fallback, null, "timed out");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return (fallback, null, CustomerClient.TransportError(ex));
        }
    }

    /// <summary>The caching rule of one response (see <see cref="PolicyAsync"/>).</summary>
    public static CachePolicy Read(CacheControlHeaderValue? cacheControl, DateTimeOffset? expires, DateTimeOffset date, VisionOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (cacheControl?.NoStore == true) return new(TimeSpan.Zero, "no-store");
        if (cacheControl?.NoCache == true) return new(TimeSpan.Zero, "no-cache");
        var (age, source) = cacheControl?.SharedMaxAge is { } shared ? (shared, $"s-maxage={(long)shared.TotalSeconds}")
            : cacheControl?.MaxAge is { } max ? (max, $"max-age={(long)max.TotalSeconds}")
            : expires is { } at ? (at - date, "expires")
            : (o.DefaultCacheAge, "default");
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        return new(age > o.MaxCacheAge ? o.MaxCacheAge : age, source);
    }
}
