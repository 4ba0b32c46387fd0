using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;

namespace LoadGen;

/// <summary>
/// POSTs enqueue bodies with HttpClient over SocketsHttpHandler (HTTP/1.1, keep-alive, at most
/// <c>connections</c> sockets). Returns the status code; network failures throw <see cref="HttpRequestException"/>.
/// </summary>
sealed class Sender : IDisposable
{
    static readonly MediaTypeHeaderValue Json = new("application/json");
    readonly HttpClient client;
    readonly Uri uri;

    public Sender(Uri uri, string? key, int connections, TimeSpan timeout)
    {
        this.uri = uri;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        client = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
        client.DefaultRequestVersion = HttpVersion.Version11;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>First body seen for each non-204 status, for the report.</summary>
    public ConcurrentDictionary<int, string> Samples { get; } = new();

    public async Task<int> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (status != 204)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            Samples.TryAdd(status, text.Length > 400 ? text[..400] : text);
        }
        return status;
    }

    public void Dispose() => client.Dispose();
}

/// <summary>What one worker saw: status codes and errors (by kind).</summary>
sealed class Outcomes
{
    public Dictionary<int, long> Statuses { get; } = [];
    public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public void Status(int status) => Statuses[status] = Statuses.GetValueOrDefault(status) + 1;

    public void Error(Exception ex)
    {
        var kind = ex switch
        {
            TaskCanceledException => "timeout",
            HttpRequestException { HttpRequestError: var e } when e != HttpRequestError.Unknown => e.ToString(),
            _ => ex.GetType().Name,
        };
        Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
    }

    public void Add(Outcomes other)
    {
        foreach (var (k, v) in other.Statuses) Statuses[k] = Statuses.GetValueOrDefault(k) + v;
        foreach (var (k, v) in other.Errors) Errors[k] = Errors.GetValueOrDefault(k) + v;
    }

    public long Ok => Statuses.GetValueOrDefault(204);
    public long NotOk => Statuses.Where(s => s.Key != 204).Sum(s => s.Value) + Errors.Values.Sum();
}
