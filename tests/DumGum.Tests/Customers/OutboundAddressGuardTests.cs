using System.Net;
using System.Net.Sockets;
using System.Text;
using DumGum.Customers;

namespace DumGum.Tests.Customers;

public sealed class OutboundAddressGuardTests
{
    [Theory]
    // IPv4 loopback, private, link-local, CGNAT, unspecified, multicast, broadcast, special-purpose.
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("240.0.0.1")]
    [InlineData("192.0.0.8")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    // IPv6 loopback, unspecified, unique local, link-local, site-local, multicast.
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("fe80::1")]
    [InlineData("fe80::1%2")]
    [InlineData("febf::1")]
    [InlineData("fec0::1")]
    [InlineData("feff::1")]
    [InlineData("ff02::1")]
    // IPv4 embedded in IPv6: mapped, compatible, NAT64, 6to4.
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("::127.0.0.1")]
    [InlineData("::10.0.0.1")]
    [InlineData("64:ff9b::127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b::192.168.0.1")]
    [InlineData("2002:7f00:1::")]
    [InlineData("2002:a9fe:a9fe::1")]
    public void Forbidden(string address) => Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.216.34")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.1")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("192.0.1.1")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.1")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.1")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::8.8.8.8")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("64:ff9b:1::a00:1")] // not the /96 well-known prefix
    [InlineData("2002:0808:0808::1")]
    [InlineData("fb00::1")]
    [InlineData("fe7f::1")]
    public void Allowed(string address) => Assert.False(OutboundAddressGuard.IsForbidden(IPAddress.Parse(address)), address);

    [Fact]
    public void Framework_constants_are_forbidden()
    {
        Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.Loopback));
        Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.IPv6Loopback));
        Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.Any));
        Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.IPv6Any));
        Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.Broadcast));
        Assert.True(OutboundAddressGuard.IsForbidden(IPAddress.Loopback.MapToIPv6()));
        Assert.False(OutboundAddressGuard.IsForbidden(IPAddress.Parse("8.8.8.8").MapToIPv6()));
    }

    [Theory]
    [InlineData("https://example.com/hook")]
    [InlineData("https://example.com:8443/hook?x=1")]
    [InlineData("https://8.8.8.8/")]
    [InlineData("https://[2606:4700::1111]/")]
    [InlineData("https://api.localhost.example.com/")]
    [InlineData("https://metadata.example.com/")]
    [InlineData("HTTPS://EXAMPLE.COM/")]
    public void Acceptable_public_urls(string url)
    {
        Assert.True(OutboundAddressGuard.IsAcceptableUrl(url, allowPrivateNetworks: false, out var problem), problem);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("", "http:// or https://")]
    [InlineData("   ", "http:// or https://")]
    [InlineData("/relative/path", "http:// or https://")]
    [InlineData("example.com/hook", "http:// or https://")]
    [InlineData("ftp://example.com/", "http:// or https://")]
    [InlineData("file:///etc/passwd", "http:// or https://")]
    [InlineData("javascript:alert(1)", "http:// or https://")]
    [InlineData("https://user:pass@example.com/", "user name or password")]
    [InlineData("https://user@example.com/", "user name or password")]
    [InlineData("http://example.com/", "plain http is only allowed when Security:AllowPrivateNetworkEndpoints")]
    [InlineData("https://127.0.0.1/", "127.0.0.1")]
    [InlineData("https://10.0.0.5:8080/", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "169.254.169.254")]
    [InlineData("https://[::1]/", "::1")]
    [InlineData("https://[::ffff:127.0.0.1]/", "127.0.0.1")]
    [InlineData("https://[fe80::1]/", "fe80::1")]
    [InlineData("https://0x7f000001/", "127.0.0.1")]
    [InlineData("https://2130706433/", "127.0.0.1")]
    [InlineData("https://0/", "0.0.0.0")]
    [InlineData("https://localhost/", "localhost")]
    [InlineData("https://LOCALHOST:5000/", "localhost")]
    [InlineData("https://localhost./", "localhost")]
    [InlineData("https://api.localhost/", "api.localhost")]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal")]
    [InlineData("https://metadata/", "metadata")]
    public void Unacceptable_urls(string url, string mention)
    {
        Assert.False(OutboundAddressGuard.IsAcceptableUrl(url, allowPrivateNetworks: false, out var problem));
        Assert.NotNull(problem);
        Assert.Contains(mention, problem, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith(".", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:5000/hook")]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("https://10.0.0.5/")]
    [InlineData("http://[::1]:8080/")]
    [InlineData("http://metadata.google.internal/")]
    public void Private_urls_are_fine_when_allowed(string url)
    {
        Assert.True(OutboundAddressGuard.IsAcceptableUrl(url, allowPrivateNetworks: true, out var problem), problem);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("ftp://localhost/")]
    [InlineData("http://user:pw@localhost/")]
    [InlineData("relative")]
    public void Basic_rules_hold_even_when_private_networks_are_allowed(string url) =>
        Assert.False(OutboundAddressGuard.IsAcceptableUrl(url, allowPrivateNetworks: true, out _));

    [Fact]
    public void Handler_is_configured_for_customer_endpoints()
    {
        using var handler = OutboundAddressGuard.CreateHandler(false, TimeSpan.FromSeconds(3));
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
        Assert.Equal(TimeSpan.FromSeconds(3), handler.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), handler.PooledConnectionLifetime);
        Assert.Equal(DecompressionMethods.All, handler.AutomaticDecompression);
        Assert.NotNull(handler.ConnectCallback);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Loopback_is_refused_at_connect_time_unless_allowed(string host)
    {
        await using var server = TinyHttpServer.Start();
        var url = $"http://{host}:{server.Port}/ok";

        using (var refused = new HttpClient(OutboundAddressGuard.CreateHandler(false, TimeSpan.FromSeconds(5))))
        {
            var ex = await Assert.ThrowsAsync<HttpRequestException>(
                () => refused.GetAsync(new Uri(url), TestContext.Current.CancellationToken));
            Assert.Contains("Security:AllowPrivateNetworkEndpoints", ex.Message, StringComparison.Ordinal);
            Assert.Contains("private, loopback or link-local", ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, server.Requests);

        using var allowed = new HttpClient(OutboundAddressGuard.CreateHandler(true, TimeSpan.FromSeconds(5)));
        using var response = await allowed.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/ok"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        await using var server = TinyHttpServer.Start();
        using var client = new HttpClient(OutboundAddressGuard.CreateHandler(true, TimeSpan.FromSeconds(5)));
        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/redirect"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/ok", response.Headers.Location?.OriginalString);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Ipv6_literal_loopback_is_refused()
    {
        using var client = new HttpClient(OutboundAddressGuard.CreateHandler(false, TimeSpan.FromSeconds(5)));
        var ex = await Assert.ThrowsAsync<HttpRequestException>(
            () => client.GetAsync(new Uri("http://[::1]:9/"), TestContext.Current.CancellationToken));
        Assert.Contains("(::1)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_failure_is_an_ordinary_http_request_exception()
    {
        // A port nobody listens on: the guard lets it through (allowed), the connect fails, the socket is disposed.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        using var client = new HttpClient(OutboundAddressGuard.CreateHandler(true, TimeSpan.FromSeconds(5)));
        var ex = await Assert.ThrowsAsync<HttpRequestException>(
            () => client.GetAsync(new Uri($"http://127.0.0.1:{port}/"), TestContext.Current.CancellationToken));
        Assert.DoesNotContain("Security:AllowPrivateNetworkEndpoints", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A minimal HTTP/1.1 server on 127.0.0.1: "/redirect" answers 302 to "/ok", anything else 200 "ok".</summary>
    sealed class TinyHttpServer : IAsyncDisposable
    {
        readonly TcpListener _listener;
        readonly CancellationTokenSource _stop = new();
        readonly Task _loop;
        int _requests;

        TinyHttpServer()
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _loop = AcceptLoopAsync();
        }

        public static TinyHttpServer Start() => new();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Requests => Volatile.Read(ref _requests);

        async Task AcceptLoopAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    await AnswerAsync(client, _stop.Token);
                }
            }
            catch (OperationCanceledException) { }
            catch (ObjectDisposedException) { }
            catch (SocketException) { }
        }

        async Task AnswerAsync(TcpClient client, CancellationToken ct)
        {
            var stream = client.GetStream();
            var buffer = new byte[8192];
            var received = new StringBuilder();
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0) return;
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            Interlocked.Increment(ref _requests);
            var requestLine = received.ToString().Split("\r\n")[0];
            var response = requestLine.Contains(" /redirect ", StringComparison.Ordinal)
                ? "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), ct);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
