using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DumGum.Tests.Infrastructure;

/// <summary>What a <see cref="RawCustomer"/> does with one request.</summary>
public abstract record RawReply
{
    /// <summary>A well-formed HTTP/1.1 answer with exactly these body bytes.</summary>
    public sealed record Body(byte[] Bytes, int Status = 200) : RawReply;
    /// <summary>Headers announcing <paramref name="DeclaredLength"/> bytes, then only <paramref name="Sent"/> of them, then a clean close (FIN).</summary>
    public sealed record ClosedMidBody(int DeclaredLength = 4096, int Sent = 100) : RawReply;
    /// <summary>Headers and part of the body, then a reset (RST).</summary>
    public sealed record ResetMidBody : RawReply;
    /// <summary>A reset before any answer.</summary>
    public sealed record Reset : RawReply;
    /// <summary>Bytes that are not HTTP at all.</summary>
    public sealed record Garbage : RawReply;

    public static Body Json(string json) => new(Encoding.UTF8.GetBytes(json));
}

/// <summary>
/// A customer endpoint at the socket level: a TcpListener on loopback that reads one request per connection and answers
/// as the test scripts it, including the ways real networks fail (a body cut short, a reset, garbage). Every request's
/// path and query is recorded.
/// </summary>
public sealed class RawCustomer : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    /// <summary>Chooses the reply from the request line's target (path and query) and how many requests came before to that path.</summary>
    public Func<string, int, RawReply> Reply { get; set; } = (_, _) => RawReply.Json("{}");

    public ConcurrentQueue<string> Requests { get; } = new();

    RawCustomer()
    {
        listener.Start();
        loop = AcceptAsync();
    }

    public static RawCustomer Start() => new();

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    public string HttpsBaseUrl => $"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    public int Count(string path) => Requests.Count(r => r.Split('?')[0] == path);

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await listener.AcceptSocketAsync(stop.Token); }
            catch (Exception) when (stop.IsCancellationRequested) { return; }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    async Task ServeAsync(Socket socket)
    {
        try
        {
            var target = await ReadRequestTargetAsync(socket);
            if (target is null) { socket.Dispose(); return; }
            var path = target.Split('?')[0];
            var before = Count(path);
            Requests.Enqueue(target);
            switch (Reply(target, before))
            {
                case RawReply.Body b:
                    await SendAsync(socket, Head(b.Status, b.Bytes.Length));
                    await SendAsync(socket, b.Bytes);
                    socket.Shutdown(SocketShutdown.Both);
                    socket.Dispose();
                    break;
                case RawReply.ClosedMidBody c:
                    await SendAsync(socket, Head(200, c.DeclaredLength));
                    await SendAsync(socket, Encoding.ASCII.GetBytes("{\"messages\": [" + new string(' ', Math.Max(0, c.Sent - 14))));
                    socket.Shutdown(SocketShutdown.Both);
                    socket.Dispose();
                    break;
                case RawReply.ResetMidBody:
                    await SendAsync(socket, Head(200, 4096));
                    await SendAsync(socket, Encoding.ASCII.GetBytes("{\"messages\": ["));
                    await Task.Delay(50);
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                    break;
                case RawReply.Reset:
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                    break;
                case RawReply.Garbage:
                    await SendAsync(socket, Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n\0\u0001\u0002"));
                    socket.Shutdown(SocketShutdown.Both);
                    socket.Dispose();
                    break;
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            socket.Dispose();
        }
    }

    static byte[] Head(int status, int length) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");

    static async Task SendAsync(Socket socket, byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length) sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    /// <summary>Reads up to the end of the request head and returns the request target, or null when the client sent no HTTP request.</summary>
    static async Task<string?> ReadRequestTargetAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None);
            if (read == 0) return null;
            // A TLS ClientHello (record type 22): this endpoint speaks no TLS; the script decides what the client gets.
            if (length == 0 && buffer[0] == 0x16) return "(tls)";
            length += read;
            var text = Encoding.Latin1.GetString(buffer, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var line = text[..text.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
                return line.Length >= 2 && line[0] is "GET" or "POST" ? line[1] : null;
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try { await loop; } catch (OperationCanceledException) { }
        stop.Dispose();
    }
}
