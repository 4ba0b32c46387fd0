using System.Net;
using System.Net.Sockets;
using System.Text;
using DumGum.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DumGum.Tests.Hardening;

/// <summary>
/// docs/behaviour.md, "Slow and broken request bodies": a body that arrives too slowly is Kestrel's 408, one cut short
/// a 400, an aborted one is dropped; none is a 500, and none is logged as a warning or an error with a stack trace.
/// Driven through a raw socket, as a hostile client would.
/// </summary>
public sealed class TransportFaultTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    const string Enqueue = "/cs/v1/content_creation/conversations/enqueue";

    static (DumGumHost Host, LogSink Logs) Start()
    {
        var sink = new LogSink();
        var host = DumGumHost.Start(services: s =>
        {
            s.AddSingleton<ILoggerProvider>(sink);
            // Kestrel's default (240 bytes/s after a 5 s grace) made quicker to test; the rule is the same.
            s.Configure<KestrelServerOptions>(o => o.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(2)));
        });
        return (host, sink);
    }

    static string Head(string path, string? key, int contentLength, string method = "POST") =>
        $"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n" +
        (key is null ? $"Authorization: Bearer {DumGumHost.AdminToken}\r\n" : $"Authorization: Bearer {key}\r\n") + "\r\n";

    static async Task<Socket> ConnectAsync(DumGumHost host)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port), Token);
        return socket;
    }

    static async Task<string> ReadAllAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var sb = new StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (true)
        {
            int read;
            try { read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token); }
            catch (SocketException) { break; }
            if (read == 0) break;
            sb.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = sb.ToString();
            // One response is enough: stop at the end of its body.
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end > 0 && ContentLength(text[..end]) is { } length && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= length) break;
        }
        return sb.ToString();
    }

    static int? ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                return int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return null;
    }

    static void AssertQuiet(LogSink logs)
    {
        var loud = logs.Entries.Where(e => e.Level >= LogLevel.Warning || e.Exception is not null).ToList();
        Assert.True(loud.Count == 0, "expected no warnings, errors or stack traces, got: " +
                                     string.Join("\n", loud.Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception?.GetType().Name}")));
    }

    [Theory]
    [InlineData(Enqueue, false)]
    [InlineData("/admin/v1/projects", true)]
    public async Task A_body_cut_short_by_the_client_closing_is_not_an_error(string path, bool admin)
    {
        var (host, logs) = Start();
        await using var _ = host;
        await using var customer = await FakeCustomer.StartAsync();
        var project = await host.CreateProjectAsync(customer);
        using var socket = await ConnectAsync(host);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Head(path, admin ? null : project.Key, 200) + "{\"userProfileId\": \"u"), Token);
        socket.Shutdown(SocketShutdown.Send);   // the client is done sending: 180 announced bytes never come

        // Kestrel takes the client's FIN as the end of the connection: no answer can be sent, and certainly no 500.
        var response = await ReadAllAsync(socket);
        Assert.False(response.StartsWith("HTTP/1.1 5", StringComparison.Ordinal), response);
        AssertQuiet(logs);
    }

    [Theory]
    [InlineData(Enqueue, false)]
    [InlineData("/admin/v1/projects", true)]
    public async Task A_broken_chunked_body_is_a_400_and_logged_quietly(string path, bool admin)
    {
        var (host, logs) = Start();
        await using var _ = host;
        await using var customer = await FakeCustomer.StartAsync();
        var project = await host.CreateProjectAsync(customer);
        using var socket = await ConnectAsync(host);
        var head = $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
                   $"Authorization: Bearer {(admin ? DumGumHost.AdminToken : project.Key)}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head + "5\r\n{\"a\":\r\nZZ not a chunk size\r\n"), Token);

        var response = await ReadAllAsync(socket);
        Assert.True(response.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), $"response: [{response}]");
        AssertQuiet(logs);
    }

    [Fact]
    public async Task A_body_sent_too_slowly_is_a_408_and_logged_quietly()
    {
        var (host, logs) = Start();
        await using var _ = host;
        await using var customer = await FakeCustomer.StartAsync();
        var project = await host.CreateProjectAsync(customer);
        using var socket = await ConnectAsync(host);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Head(Enqueue, project.Key, 5000) + "{"), Token);
        var reading = ReadAllAsync(socket);
        // A byte now and then, far below the minimum rate, until the server gives up.
        for (var i = 0; i < 40 && !reading.IsCompleted; i++)
        {
            await Task.WhenAny(reading, Task.Delay(250, Token));
            if (!reading.IsCompleted)
                try { await socket.SendAsync(" "u8.ToArray(), Token); } catch (SocketException) { break; }
        }
        var response = await reading;
        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        AssertQuiet(logs);
    }

    [Fact]
    public async Task An_aborted_body_is_not_an_error()
    {
        var (host, logs) = Start();
        await using var _ = host;
        await using var customer = await FakeCustomer.StartAsync();
        var project = await host.CreateProjectAsync(customer);
        for (var i = 0; i < 5; i++)
        {
            using var socket = await ConnectAsync(host);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Head(Enqueue, project.Key, 500) + "{\"userProfileId\""), Token);
            await Task.Delay(50, Token);
            socket.Linger(0);
        }
        // The server is still answering, and nothing of the aborts reached the logs above Information.
        using (var ok = await host.EnqueueAsync(project.Key, new { userProfileId = "u", personaProfileId = "p", language = "EN", replyParameters = new { bufferSeconds = 60 } }))
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        AssertQuiet(logs);
    }
}

static class SocketExtensions
{
    /// <summary>Closes with a reset (RST), as a client that crashes or is killed does.</summary>
    public static void Linger(this Socket socket, int seconds)
    {
        socket.LingerState = new LingerOption(true, seconds);
        socket.Close();
    }
}
